import { createTestDatabase, makeConnectedSender } from '@herald/testing';
import { campaignPayload, numberRange } from '../campaigns.ts';
import { type GatewayMemory, startGatewayProcess } from '../gateway-process.ts';
import { postJson } from '../http.ts';
import { backendCpuDelta, readBackendCpu } from '../proc.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { fmtInt, fmtMiB, fmtMs, summarize } from '../stats.ts';

const SENDER = '21642108077';
const SMALL = 10_000;
const LARGE = 100_000;
const RUNS = 5;
// National-form mobiles, so every recipient goes through normalisation.
const FIRST_RECIPIENT = 98_000_000;

interface Sample {
  label: string;
  recipients: number;
  bytes: number;
  ms: number;
  gatewayCpuMs: number;
  /** null when Postgres does not run on this machine. */
  postgresCpuMs: number | null;
  memory: GatewayMemory;
}

/**
 * POST /api/send from request to parsed 201 against the gateway as a child process, so the
 * memory read from /proc and from its heap, and the CPU it uses, are its own.
 */
export const submitScenario: Scenario = {
  name: 'submit',
  title: 'POST /api/send latency and gateway memory',
  timeoutMs: 120_000,
  async run(cleanup, log) {
    const database = await createTestDatabase();
    cleanup.defer('drop the test database', () => database.drop());
    await makeConnectedSender(database.db, SENDER);
    const gateway = await startGatewayProcess(database.url, { MAX_RECIPIENTS: String(LARGE) });
    cleanup.defer('stop the gateway', () => gateway.stop());
    const idle = await gateway.memory();

    const submit = async (label: string, size: number): Promise<Sample> => {
      const payload = campaignPayload(SENDER, numberRange(FIRST_RECIPIENT, size));
      const cpuBefore = await gateway.cpuSeconds();
      const pgBefore = await readBackendCpu(database.db);
      const started = performance.now();
      const answer = await postJson(`${gateway.url}/api/send`, payload);
      const ms = performance.now() - started;
      const cpuAfter = await gateway.cpuSeconds();
      const pgAfter = await readBackendCpu(database.db);
      const body = answer.body as { total_messages?: number } | undefined;
      if (answer.status !== 201 || body?.total_messages !== size) {
        throw new Error(`${label}: ${answer.status} ${JSON.stringify(body).slice(0, 300)}`);
      }
      const sample = {
        label,
        recipients: size,
        bytes: payload.length,
        ms,
        gatewayCpuMs: (cpuAfter - cpuBefore) * 1000,
        postgresCpuMs: pgAfter.size > 0 ? backendCpuDelta(pgBefore, pgAfter) * 1000 : null,
        memory: await gateway.memory(),
      };
      log(`${label}: ${fmtMs(ms)}, RSS ${fmtMiB(sample.memory.rssBytes)}`);
      return sample;
    };

    const warmup = await submit('warm-up (not counted)', SMALL);
    const runs: Sample[] = [];
    for (let run = 1; run <= RUNS; run++) {
      runs.push(await submit(`${fmtInt(SMALL)} #${run}`, SMALL));
    }
    const large = await submit(fmtInt(LARGE), LARGE);

    const small = summarize(runs.map((r) => r.ms));
    const gatewayCpu = summarize(runs.map((r) => r.gatewayCpuMs));
    const pgValues = runs.flatMap((r) => (r.postgresCpuMs === null ? [] : [r.postgresCpuMs]));
    const postgresCpu = pgValues.length > 0 ? summarize(pgValues).p50 : null;
    const perSecond = (size: number, ms: number) => fmtInt((size / ms) * 1000);
    const cpu = (ms: number | null) => (ms === null ? 'n/a' : fmtMs(ms));
    const memoryRow = (label: string, m: GatewayMemory, ms?: number) => [
      label,
      ms === undefined ? '' : fmtMs(ms),
      fmtMiB(m.rssBytes),
      fmtMiB(m.anonBytes),
      fmtMiB(m.hwmBytes),
      fmtMiB(m.heapUsedBytes),
      fmtMiB(m.heapRetainedBytes),
    ];
    const markdown = [
      'The gateway (`apps/api/src/main.ts`, child process) on a fresh database with one CONNECTED sender;',
      `no dispatcher runs, so every campaign stays in the ledger (${fmtInt(RUNS * SMALL + SMALL + LARGE)} message rows by the end).`,
      'Each request carries distinct national-form Tunisian mobiles (every one normalised) and a template',
      'with three variables; timed from sending the request to the parsed 201 with undici. One',
      `${fmtInt(SMALL)} warm-up, then ${RUNS} runs of ${fmtInt(SMALL)}, then one of ${fmtInt(LARGE)}. CPU per request from`,
      "`/proc/<pid>/stat`: the gateway's, and that of the Postgres backends of the test database.",
      'Memory after each request: VmRSS, RssAnon (without the mapped Node binary) and VmHWM (peak) from',
      '`/proc/<pid>/status`, and the V8 heap from a probe preloaded with `--import` (heap used as found,',
      'and retained after a forced GC).',
      '',
      table(
        [
          'recipients',
          'runs',
          'median',
          'min',
          'max',
          'recipients/s (median)',
          'gateway CPU (median)',
          'Postgres CPU (median)',
          'request body',
        ],
        [
          [
            fmtInt(SMALL),
            String(RUNS),
            fmtMs(small.p50),
            fmtMs(small.min),
            fmtMs(small.max),
            perSecond(SMALL, small.p50),
            fmtMs(gatewayCpu.p50),
            cpu(postgresCpu),
            fmtMiB(runs[0]?.bytes ?? 0),
          ],
          [
            fmtInt(LARGE),
            '1',
            fmtMs(large.ms),
            '',
            '',
            perSecond(LARGE, large.ms),
            fmtMs(large.gatewayCpuMs),
            cpu(large.postgresCpuMs),
            fmtMiB(large.bytes),
          ],
        ],
      ),
      '',
      table(
        [
          'gateway memory after',
          'latency',
          'VmRSS',
          'RssAnon',
          'VmHWM (peak)',
          'heap used',
          'heap retained (after GC)',
        ],
        [
          memoryRow('start (idle)', idle),
          memoryRow(warmup.label, warmup.memory, warmup.ms),
          ...runs.map((r) => memoryRow(r.label, r.memory, r.ms)),
          memoryRow(large.label, large.memory, large.ms),
        ],
      ),
    ].join('\n');

    return {
      markdown,
      reading:
        `${perSecond(SMALL, small.p50)} recipients/s at ${fmtInt(SMALL)} and ${perSecond(LARGE, large.ms)} at ${fmtInt(LARGE)}, ` +
        `against 117–151k rows/s for the raw \`INSERT … unnest\`: a ${fmtInt(SMALL)} request costs the gateway ` +
        `${fmtMs(gatewayCpu.p50)} of CPU and Postgres ${cpu(postgresCpu)}${postgresCpu !== null && gatewayCpu.p50 > postgresCpu ? ", so the gateway's own work dominates" : ''}; ` +
        `a ${fmtInt(LARGE)} campaign lifts its peak RSS to ${fmtMiB(large.memory.hwmBytes)} and it retains ` +
        `${fmtMiB(large.memory.heapRetainedBytes)} of heap afterwards (${fmtMiB(idle.heapRetainedBytes)} idle).`,
      summary: [
        `${fmtInt(SMALL)} recipients: median ${fmtMs(small.p50)} (min ${fmtMs(small.min)}, max ${fmtMs(small.max)}), gateway CPU ${fmtMs(gatewayCpu.p50)}, Postgres CPU ${cpu(postgresCpu)}`,
        `${fmtInt(LARGE)} recipients: ${fmtMs(large.ms)}, gateway peak RSS ${fmtMiB(large.memory.hwmBytes)}`,
      ],
      problems: [],
    };
  },
};
