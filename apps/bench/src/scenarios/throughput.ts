import { availableParallelism } from 'node:os';
import { sql } from 'kysely';
import { emptyNodeMemory } from '../baselines.ts';
import { numberRange } from '../campaigns.ts';
import { checkDelivery } from '../delivery-check.ts';
import {
  type DispatchCost,
  sharesByDispatcher,
  startCostMeter,
  stopDispatchersAndWait,
} from '../dispatch-cost.ts';
import type { DispatcherProcess } from '../dispatchers.ts';
import type { Cleanup } from '../lifecycle.ts';
import { sampleRss } from '../proc.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { fmtInt, fmtMiB, fmtSeconds } from '../stats.ts';
import { type DirectRate, inProcessTarget, measureDirectRate } from '../waha-direct.ts';
import { createWorld, type EmulatedWorker } from '../world.ts';

const SENDERS = 40;
/** 100 messages per sender; TP_PER_SENDER lowers it for a quick check of the scenario itself. */
const perSender = () => Number(process.env.TP_PER_SENDER) || 100;
const total = () => SENDERS * perSender();
/** Seconds of direct WAHA sends, the same-run baseline of each variant. */
const DIRECT_SECONDS = 4;

interface Variant {
  dispatchers: number;
  workers: number;
  /** Dispatcher settings beyond the defaults. */
  env: Record<string, string>;
  /** Why the variant is there, for the table. */
  note: string;
}

const VARIANTS: Variant[] = [
  { dispatchers: 1, workers: 4, env: {}, note: 'defaults' },
  { dispatchers: 2, workers: 4, env: {}, note: 'defaults' },
  // With CONCURRENCY above the sender count, the first dispatcher to fetch takes every turn;
  // 20 each makes the two share the senders, which is what scaling out is meant to do.
  { dispatchers: 2, workers: 4, env: { CONCURRENCY: '20' }, note: 'CONCURRENCY 20: senders split' },
  { dispatchers: 1, workers: 40, env: {}, note: 'diagnostic: one sender per worker' },
];

interface Run extends Variant, DispatchCost {
  submitSeconds: number;
  wallSeconds: number;
  /** VmRSS once started, before any message; highest VmRSS sampled during the run; VmHWM. */
  dispatcherIdleRss: number[];
  dispatcherPeakRss: number[];
  dispatcherHwm: number[];
  transactions: number;
  /** Messages each dispatcher sent, in start order. */
  shares: number[];
  problems: string[];
  /** Baseline: POST /api/sendText straight to the same workers, one lane per sender. */
  direct: DirectRate;
}

const senderAt = (i: number) => String(21_620_000_200 + i);

async function runVariant(cleanup: Cleanup, variant: Variant): Promise<Run> {
  const world = await createWorld(cleanup, { messageDelay: 0, senderSwitchDelay: 0 });
  const workers: EmulatedWorker[] = [];
  for (let w = 0; w < variant.workers; w++) workers.push(await world.emulatedWorker('PLUS'));
  await Promise.all(
    Array.from({ length: SENDERS }, (_, i) =>
      world.connectSender(workers[i % variant.workers] as EmulatedWorker, senderAt(i)),
    ),
  );
  const dispatchers: DispatcherProcess[] = [];
  for (let d = 1; d <= variant.dispatchers; d++) {
    dispatchers.push(await world.dispatcher(`tp-${d}`, variant.env));
  }

  const idle = await Promise.all(dispatchers.map(async (d) => (await d.memory()).rssBytes));
  const meter = await startCostMeter(world.db, dispatchers);
  const rss = sampleRss(dispatchers.map((d) => d.pid));
  const started = Date.now();
  for (let i = 0; i < SENDERS; i++) {
    await world.submit(senderAt(i), numberRange(21_690_000_000 + i * 1000, perSender()));
  }
  const submitted = Date.now();
  await world.waitForCampaignsDone(120_000);
  const cost = await meter.stop();
  const peaks = rss.stop();
  const hwm = await Promise.all(dispatchers.map(async (d) => (await d.memory()).hwmBytes));
  const { rows } = await sql<{ last: Date }>`SELECT max(sent_at) AS last FROM messages`.execute(
    world.db,
  );
  const last = rows[0]?.last?.getTime() ?? Date.now();
  const shares = await sharesByDispatcher(world.db, dispatchers);

  await stopDispatchersAndWait(world.db, dispatchers);
  // Checked before the direct sends below, which the emulators log too.
  const problems = await checkDelivery(world.db, workers, total());
  const direct = await measureDirectRate(
    inProcessTarget(workers, senderAt, SENDERS),
    SENDERS,
    DIRECT_SECONDS,
  );
  return {
    ...variant,
    ...cost,
    submitSeconds: (submitted - started) / 1000,
    wallSeconds: (last - started) / 1000,
    dispatcherIdleRss: idle,
    dispatcherPeakRss: dispatchers.map((d) => peaks.get(d.pid) ?? 0),
    dispatcherHwm: hwm,
    transactions: await meter.transactions(),
    shares,
    problems,
    direct,
  };
}

const rate = (r: Run) => total() / r.wallSeconds;
const versusDirect = (r: Run) =>
  `${fmtInt(r.direct.sendsPerSecond)}/s (Herald ×${(rate(r) / r.direct.sendsPerSecond).toFixed(2)})`;
/** Run-to-run noise on this shared machine is about ±15%: smaller differences are not read. */
const versus = (ratio: number) =>
  `×${ratio.toFixed(2)}, ${ratio >= 1.15 ? 'faster' : ratio <= 0.87 ? 'slower' : 'the same within noise'}`;
const label = (r: Run) => `${r.dispatchers} dispatcher(s), ${r.workers} workers, ${r.note}`;
const perMessage = (seconds: number | null) =>
  seconds === null ? 'n/a' : `${((seconds * 1000) / total()).toFixed(2)} ms`;

/**
 * Messages per second end to end with no pacing at all, so only Herald's own cost per message
 * shows, for 40 senders at once, with one and then two dispatcher processes.
 */
export const throughputScenario: Scenario = {
  name: 'throughput',
  title: 'messages per second with no delays, one and two dispatchers',
  timeoutMs: 240_000,
  async run(cleanup, log) {
    const runs: Run[] = [];
    // The memory baseline, measured in the same run: a Node process that does nothing.
    const emptyNode = (await emptyNodeMemory()).rssBytes;
    const rssVersusEmpty = (bytes: number) =>
      `${fmtMiB(bytes)} (×${(bytes / emptyNode).toFixed(2)} an empty Node's ${fmtMiB(emptyNode)})`;
    const only = process.env.TP_ONLY;
    const extra = process.env.TP_ENV
      ? (JSON.parse(process.env.TP_ENV) as Record<string, string>)
      : {};
    const first = VARIANTS[0] as Variant;
    for (const variant of only ? [{ ...first, env: extra, note: only }] : VARIANTS) {
      const scope = cleanup.scope();
      try {
        const run = await runVariant(scope, variant);
        runs.push(run);
        log(`${label(run)}: ${fmtInt(rate(run))} msg/s`);
      } finally {
        const errors = await scope.run();
        if (errors.length > 0) log(`cleanup: ${errors.join('; ')}`);
      }
    }
    if (only) {
      const r = runs[0] as Run;
      const line = `${fmtInt(rate(r))} msg/s, direct WAHA ${versusDirect(r)}, dispatcher CPU ${perMessage(r.dispatcherUser + r.dispatcherSystem)}/msg, Postgres ${perMessage(r.postgresCpu)}/msg, bench ${perMessage(r.benchCpu)}/msg, ${(r.transactions / total()).toFixed(1)} tx/msg, RSS idle ${r.dispatcherIdleRss.map(fmtMiB).join(', ')}, peak ${r.dispatcherPeakRss.map(rssVersusEmpty).join(', ')}, busy ${Math.round(r.machineBusy * 100)}%`;
      return { markdown: line, reading: line, summary: [line], problems: r.problems };
    }
    const markdown = [
      `${SENDERS} senders spread evenly over emulated WAHA Plus workers (in the bench process), MESSAGE_DELAY 0`,
      `and SENDER_SWITCH_DELAY 0, one campaign of ${perSender()} per sender through POST /api/send`,
      `(${fmtInt(total())} messages), dispatcher child processes with default settings (CONCURRENCY 50,`,
      'CHECK_NUMBERS true: two WAHA calls per message). Wall time from the first POST to the last',
      '`sent_at`. CPU over the same span from `/proc/<pid>/stat` (Postgres: the backends connected to',
      "the run's database), per message; RSS sampled every 100 ms during the run (VmHWM also counts the",
      "start-up), beside an empty Node process's RSS measured in the same run (`node -e` with a timer);",
      'transactions from `pg_stat_database`',
      "(everything in the run's database: claims, outcomes, pg-boss). Afterwards every message must",
      "be SENT, every campaign COMPLETED, and the emulators' logs must hold each sender/recipient pair",
      'exactly once with the ids the ledger recorded. The last row is a diagnostic (see the reading).',
      `**Baseline, same run:** after each variant, \`POST /api/sendText\` from the bench process (which also`,
      `hosts the emulators) straight to the same workers for ${DIRECT_SECONDS} s, ${SENDERS} in flight (one per sender, as`,
      'Herald allows), one call per message where Herald makes two (CHECK_NUMBERS).',
      '',
      table(
        [
          'dispatchers',
          'workers',
          'settings',
          'messages/s',
          `direct WAHA sends/s, ${SENDERS} in flight (Herald × that)`,
          'wall',
          'submit (40 POSTs)',
          'messages sent by each dispatcher',
          'correct',
        ],
        runs.map((r) => [
          String(r.dispatchers),
          String(r.workers),
          r.note,
          fmtInt(rate(r)),
          versusDirect(r),
          fmtSeconds(r.wallSeconds),
          fmtSeconds(r.submitSeconds),
          r.shares.map(fmtInt).join(' / '),
          r.problems.length === 0 ? 'yes' : 'NO',
        ]),
      ),
      '',
      table(
        [
          'run',
          'dispatcher CPU/msg (user + sys)',
          'Postgres CPU/msg',
          'bench process CPU/msg (emulators, gateway, polling)',
          'transactions/msg',
          'machine busy (2 cores)',
          'dispatcher RSS idle (started, before any message)',
          'dispatcher RSS peak during the run (× an empty Node process)',
          'VmHWM since start',
        ],
        runs.map((r) => [
          label(r),
          `${perMessage(r.dispatcherUser + r.dispatcherSystem)} (${perMessage(r.dispatcherUser)} + ${perMessage(r.dispatcherSystem)})`,
          perMessage(r.postgresCpu),
          perMessage(r.benchCpu),
          (r.transactions / total()).toFixed(1),
          `${Math.round(r.machineBusy * 100)}%`,
          r.dispatcherIdleRss.map(fmtMiB).join(', '),
          r.dispatcherPeakRss.map(rssVersusEmpty).join(', '),
          r.dispatcherHwm.map(fmtMiB).join(', '),
        ]),
      ),
    ].join('\n');
    const [one, two, split, spread] = runs as [Run, Run, Run, Run];
    const cpuPerMessage = (r: Run) =>
      ((r.dispatcherUser + r.dispatcherSystem + (r.postgresCpu ?? 0) + r.benchCpu) * 1000) /
      total();
    const cores = availableParallelism();
    return {
      markdown,
      reading:
        `${fmtInt(rate(one))} msg/s with one dispatcher against ${versusDirect(one)} direct to WAHA; with two, ${fmtInt(rate(two))} (${versus(rate(two) / rate(one))}) ` +
        `where the second sent ${fmtInt(two.shares[1] ?? 0)} of ${fmtInt(total())} (CONCURRENCY 50 would let either take all 40 senders, but each runs ` +
        `about its fair share, ceil(40 / 2) + 2 turns at most), and ${fmtInt(rate(split))} (${versus(rate(split) / rate(one))}) with CONCURRENCY 20 as well; ` +
        `one sender per worker gives ${fmtInt(rate(spread))} (${versus(rate(spread) / rate(one))}${rate(spread) / rate(one) < 1.15 ? ": contention on the workers' rows is not the limit" : ''}). ` +
        `The run is CPU-bound: a message costs ${cpuPerMessage(one).toFixed(1)} ms of CPU in all (${(one.transactions / total()).toFixed(1)} transactions), ` +
        `which caps ${cores} cores at about ${fmtInt((cores * 1000) / cpuPerMessage(one))} msg/s, far below pg-boss's 6–7k jobs/s with one POST each, ` +
        'so more dispatchers on the same cores cannot add much.',
      summary: runs.map(
        (r) =>
          `${label(r)}: ${fmtInt(rate(r))} msg/s, direct ${versusDirect(r)} (${fmtSeconds(r.wallSeconds)} for ${fmtInt(total())}), dispatcher CPU ${perMessage(r.dispatcherUser + r.dispatcherSystem)}/msg, Postgres ${perMessage(r.postgresCpu)}/msg, ${(r.transactions / total()).toFixed(1)} tx/msg, RSS idle ${r.dispatcherIdleRss.map(fmtMiB).join(', ')}, peak ${r.dispatcherPeakRss.map(rssVersusEmpty).join(', ')}`,
      ),
      problems: runs.flatMap((r) => r.problems.map((p) => `${label(r)}: ${p}`)),
    };
  },
};
