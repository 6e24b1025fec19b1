import { table } from '../report.ts';
import { stoppedAtCleanup } from '../resources.ts';
import type { Scenario } from '../scenario.ts';
import { fmtInt, summarize } from '../stats.ts';
import {
  type DirectRate,
  measureDirectRate,
  startEmulatorProcess,
  startStandIn,
} from '../waha-direct.ts';

const WORKERS = 4;
const SESSIONS_PER_WORKER = 10;
const CONCURRENCY = 40;
const SECONDS = 4;
const ROUNDS = 3;

/**
 * How fast the WAHA emulator accepts sends, measured from outside (this process as the client,
 * the emulator CLI in its own process), beside a minimal node:http stand-in at the same
 * concurrency in the same run: the dispatch benchmarks are only meaningful while the emulator
 * answers well above Herald's own rate.
 */
export const emulatorDirectScenario: Scenario = {
  name: 'emulator-direct',
  title: "the WAHA emulator's direct send rate against a minimal stand-in",
  timeoutMs: 240_000,
  async run(cleanup, log) {
    const emulator = stoppedAtCleanup(
      cleanup,
      'the emulator',
      await startEmulatorProcess(WORKERS, SESSIONS_PER_WORKER),
    );
    const standIn = stoppedAtCleanup(cleanup, 'the stand-in', await startStandIn());
    const emulated: DirectRate[] = [];
    const bare: DirectRate[] = [];
    // Alternated, so both see the same moments of a shared machine.
    for (let round = 1; round <= ROUNDS; round++) {
      emulated.push(await measureDirectRate(emulator, CONCURRENCY, SECONDS));
      bare.push(await measureDirectRate(standIn, CONCURRENCY, SECONDS));
      log(
        `round ${round}: emulator ${fmtInt(emulated.at(-1)?.sendsPerSecond ?? 0)}/s, stand-in ${fmtInt(bare.at(-1)?.sendsPerSecond ?? 0)}/s`,
      );
    }
    const rate = (runs: DirectRate[]) => summarize(runs.map((r) => r.sendsPerSecond)).p50;
    const cpuPerSend = (runs: DirectRate[]) =>
      summarize(runs.map((r) => (r.targetCores / r.sendsPerSecond) * 1e6)).p50;
    const emulatorRate = rate(emulated);
    const standInRate = rate(bare);
    const row = (label: string, runs: DirectRate[]) => [
      label,
      fmtInt(rate(runs)),
      runs.map((r) => fmtInt(r.sendsPerSecond)).join(' / '),
      `${cpuPerSend(runs).toFixed(0)} µs`,
      `${fmtInt(1e6 / cpuPerSend(runs))}/s`,
    ];
    const markdown = [
      `The emulator CLI (\`apps/waha-emulator/src/main.ts\`, its own process) with ${WORKERS} WAHA Plus`,
      `workers on their own ports and ${SESSIONS_PER_WORKER} WORKING sessions each; this process sends`,
      `\`POST /api/sendText\` with ${CONCURRENCY} requests in flight (undici pools, spread over the workers and`,
      `sessions) for ${SECONDS} s, ${ROUNDS} rounds; every answer must be a 201. **Baseline, same run:** a minimal`,
      'WAHA stand-in (`node:http`, reads the body, answers 201 with an id) at the same concurrency,',
      "alternated with the emulator. CPU per send: the target process's user+system time over the",
      'round, per accepted send; "per core" is the rate that CPU cost allows one core.',
      '',
      table(
        ['target', 'sends/s (median)', 'rounds', 'target CPU per send', 'per core'],
        [
          row(`emulator, ${WORKERS} Plus workers, one process`, emulated),
          row('minimal stand-in (baseline)', bare),
        ],
      ),
    ].join('\n');
    return {
      markdown,
      reading:
        `The emulator accepts ${fmtInt(emulatorRate)} sends/s (×${(emulatorRate / standInRate).toFixed(2)} the stand-in's ${fmtInt(standInRate)}) at ` +
        `${cpuPerSend(emulated).toFixed(0)} µs of CPU per send against ${cpuPerSend(bare).toFixed(0)} µs: one core of emulator serves about ${fmtInt(1e6 / cpuPerSend(emulated))} sends/s.`,
      summary: [
        `emulator: ${fmtInt(emulatorRate)} sends/s, ${cpuPerSend(emulated).toFixed(0)} µs CPU/send`,
        `stand-in: ${fmtInt(standInRate)} sends/s, ${cpuPerSend(bare).toFixed(0)} µs CPU/send`,
      ],
      problems: [],
    };
  },
};
