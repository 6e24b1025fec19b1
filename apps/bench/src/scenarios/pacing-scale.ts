import { MAX_CONCURRENCY } from '@herald/dispatcher';
import { makeConnectedSender, makeWorker } from '@herald/testing';
import { inBatches } from '../batches.ts';
import { numberRange } from '../campaigns.ts';
import { checkAccepted } from '../delivery-check.ts';
import {
  type DispatchCost,
  sampleInFlight,
  sharesByDispatcher,
  startCostMeter,
  stopDispatchersAndWait,
} from '../dispatch-cost.ts';
import type { DispatcherProcess } from '../dispatchers.ts';
import type { Cleanup } from '../lifecycle.ts';
import { load } from '../machine.ts';
import {
  emulatorSendTimes,
  ledgerSendTimes,
  type PacingGaps,
  type PacingSpread,
  pacingGaps,
  pacingSpread,
  type SendPhases,
  sendPhases,
  shortGapProblems,
} from '../pacing-gaps.ts';
import { table } from '../report.ts';
import { stoppedAtCleanup } from '../resources.ts';
import type { Scenario } from '../scenario.ts';
import { fmtInt, fmtMs, fmtSeconds } from '../stats.ts';
import { readAcceptedMessages, startEmulatorProcess } from '../waha-direct.ts';
import { createWorld } from '../world.ts';

const DELAY_S = 2;
const TARGET_SHARE = 0.95;
const TARGET_P99_MS = 50;

// Overridable for a quick check of the scenario itself, e.g. PS_SENDERS=200 PS_PER_SENDER=5.
const envInt = (name: string, fallback: number) => Number(process.env[name]) || fallback;
const senders = () => envInt('PS_SENDERS', 2000);
const perSender = () => envInt('PS_PER_SENDER', 10);
const workerCount = () => envInt('PS_WORKERS', 8);
const total = () => senders() * perSender();
const dispatcherCounts = () =>
  (process.env.PS_DISPATCHERS ?? '1,2').split(',').map((n) => Number(n.trim()));
/** Each dispatcher holds its share of the senders, within what CONCURRENCY allows. */
const concurrencyFor = (dispatchers: number) =>
  envInt('PS_CONCURRENCY', Math.min(MAX_CONCURRENCY, Math.ceil(senders() / dispatchers)));

interface Run extends DispatchCost {
  dispatchers: number;
  concurrency: number;
  /** From the first to the last acceptance at the emulator. */
  spanSeconds: number;
  ledger: PacingGaps;
  emulator: PacingGaps;
  emulatorCpu: number;
  phases: SendPhases | null;
  spread: PacingSpread;
  /** The most messages SENDING at once. */
  inFlight: number;
  transactions: number;
  shares: number[];
  load: string;
  problems: string[];
}

const offered = () => senders() / DELAY_S;
/** Every sender sending its messages DELAY apart from one moment on gives exactly `offered`. */
const achieved = (r: Run) => total() / (r.spanSeconds + DELAY_S);

async function runVariant(cleanup: Cleanup, dispatcherCount: number): Promise<Run> {
  const world = await createWorld(cleanup, { messageDelay: DELAY_S, senderSwitchDelay: 0 });
  const perWorker = Math.ceil(senders() / workerCount());
  const emulator = stoppedAtCleanup(
    cleanup,
    'the emulator process',
    await startEmulatorProcess(workerCount(), perWorker),
  );
  // Sender i lives on worker i % workers, so every worker carries its share of the rate.
  const phones: string[] = [];
  for (const target of emulator.workers) {
    const worker = await makeWorker(world.db, {
      url: target.url,
      api_key: target.apiKey ?? '',
      tier: 'PLUS',
    });
    await inBatches(target.sessions, 50, (phone) =>
      makeConnectedSender(world.db, phone, { worker }),
    );
  }
  for (let s = 0; s < perWorker; s++) {
    for (const target of emulator.workers) {
      const phone = target.sessions[s];
      if (phone && phones.length < senders()) phones.push(phone);
    }
  }
  // All campaigns are in before any dispatcher starts: the run measures dispatch alone.
  await inBatches(phones, 8, (phone, i) =>
    world.submit(phone, numberRange(21_690_000_000 + i * perSender(), perSender())),
  );

  const concurrency = concurrencyFor(dispatcherCount);
  const dispatchers: DispatcherProcess[] = [];
  for (let d = 1; d <= dispatcherCount; d++) {
    dispatchers.push(
      await world.dispatcher(`ps-${d}`, {
        CHECK_NUMBERS: 'false',
        CONCURRENCY: String(concurrency),
      }),
    );
  }
  const meter = await startCostMeter(world.db, dispatchers, [emulator.pid]);
  const inFlight = sampleInFlight(world.db);
  // At 20 msg/s at least, with room for a slow machine.
  await world.waitForCampaignsDone(Math.max(120_000, (total() / 20) * 1000));
  const cost = await meter.stop();
  const mostInFlight = inFlight.stop();
  const shares = await sharesByDispatcher(world.db, dispatchers);
  await stopDispatchersAndWait(world.db, dispatchers);

  const accepted = await readAcceptedMessages(emulator);
  const problems = await checkAccepted(world.db, accepted, total());
  const acceptedTimes = accepted.map((m) => Date.parse(m.acceptedAt));
  const ledger = pacingGaps(await ledgerSendTimes(world.db), DELAY_S * 1000, 0);
  // The emulator stamps milliseconds, so a gap may read 1 ms short of a delay that was kept.
  const atEmulator = pacingGaps(emulatorSendTimes(accepted), DELAY_S * 1000, 1);
  problems.push(...shortGapProblems({ ledger, emulator: atEmulator }));
  return {
    ...cost,
    dispatchers: dispatcherCount,
    concurrency,
    spanSeconds: (Math.max(...acceptedTimes) - Math.min(...acceptedTimes)) / 1000,
    ledger,
    emulator: atEmulator,
    emulatorCpu: cost.otherCpu.get(emulator.pid) ?? 0,
    phases: await sendPhases(world.db, accepted),
    spread: pacingSpread(emulatorSendTimes(accepted), DELAY_S * 1000),
    inFlight: mostInFlight,
    transactions: await meter.transactions(),
    shares,
    load: load(),
    problems,
  };
}

const perMessage = (seconds: number | null) =>
  seconds === null ? 'n/a' : `${((seconds * 1000) / total()).toFixed(2)} ms`;
/** CPU seconds over the run's span as cores in use (1 = one core saturated). */
const coreShare = (r: Run, seconds: number) => seconds / (r.spanSeconds + DELAY_S);
const cores = (r: Run, seconds: number | null) =>
  seconds === null ? 'n/a' : coreShare(r, seconds).toFixed(2);
const gapCells = (g: PacingGaps) =>
  g.extra
    ? [fmtMs(g.extra.p50), fmtMs(g.extra.p99), fmtMs(g.extra.max), String(g.early)]
    : ['n/a', 'n/a', 'n/a', String(g.early)];
const meetsTargets = (r: Run) =>
  achieved(r) >= TARGET_SHARE * offered() &&
  (r.emulator.extra?.p99 ?? Number.POSITIVE_INFINITY) <= TARGET_P99_MS &&
  r.ledger.early + r.emulator.early === 0;
const dispatcherCpu = (r: Run) => r.dispatcherUser + r.dispatcherSystem;
const summaryLine = (r: Run) =>
  `${r.dispatchers} dispatcher(s): ${fmtInt(achieved(r))} of ${fmtInt(offered())} msg/s offered (${Math.round((achieved(r) / offered()) * 100)}%), ` +
  `extra gap p50/p99/max ${gapCells(r.emulator).slice(0, 3).join(' / ')}, ${r.emulator.early + r.ledger.early} short gaps, ` +
  `dispatcher ${perMessage(dispatcherCpu(r))}/msg (${cores(r, dispatcherCpu(r))} cores), Postgres ${perMessage(r.postgresCpu)}/msg (${cores(r, r.postgresCpu)} cores)`;

/** Where the run's limit lies: the senders held at once, and the busiest process. */
function diagnosis(r: Run): string {
  const held = Math.min(senders(), r.concurrency * r.dispatchers);
  const cap =
    held < senders()
      ? `CONCURRENCY lets ${r.dispatchers} dispatcher(s) hold ${fmtInt(held)} of the ${fmtInt(senders())} senders at once, which offers at most ${fmtInt(held / DELAY_S)} msg/s; `
      : '';
  const [busiest] = (
    [
      ['each dispatcher', dispatcherCpu(r) / r.dispatchers],
      ['Postgres', r.postgresCpu ?? 0],
      ['the emulator', r.emulatorCpu],
      ['the bench process', r.benchCpu],
    ] as const
  )
    .map(([what, cpu]) => ({ what, cores: coreShare(r, cpu) }))
    .sort((a, b) => b.cores - a.cores);
  return `${cap}busiest: ${busiest?.what} at ${busiest?.cores.toFixed(2)} cores, the machine ${Math.round(r.machineBusy * 100)}% busy`;
}

/**
 * Thousands of senders at the default pacing: does the rate hold, and does each sender keep
 * exactly MESSAGE_DELAY between its sends, with one and with two dispatchers?
 */
export const pacingScaleScenario: Scenario = {
  name: 'pacing-scale',
  title: 'thousands of senders at MESSAGE_DELAY 2 s: rate and exact pacing',
  timeoutMs: 60 * 60_000,
  async run(cleanup, log) {
    const runs: Run[] = [];
    log(`${fmtInt(senders())} senders × ${perSender()} messages, load ${load()}`);
    for (const count of dispatcherCounts()) {
      const scope = cleanup.scope();
      try {
        const run = await runVariant(scope, count);
        runs.push(run);
        log(summaryLine(run));
      } finally {
        const errors = await scope.run();
        if (errors.length > 0) log(`cleanup: ${errors.join('; ')}`);
      }
    }
    const markdown = [
      `${fmtInt(senders())} senders (\`PS_SENDERS\`), each with a campaign of ${perSender()} messages (\`PS_PER_SENDER\`;`,
      `${fmtInt(total())} in all) through POST /api/send, all submitted before any dispatcher starts.`,
      `MESSAGE_DELAY ${DELAY_S} s, SENDER_SWITCH_DELAY 0, CHECK_NUMBERS=false: **${fmtInt(offered())} msg/s offered**.`,
      `The senders are spread evenly over ${workerCount()} emulated WAHA Plus workers (\`PS_WORKERS\`) in an emulator process`,
      'of their own (`apps/waha-emulator/src/main.ts`), so the bench process is not the target. Dispatchers',
      `are child processes started as deployed, each with CONCURRENCY = its share of the senders, at most ${MAX_CONCURRENCY}`,
      '(`PS_CONCURRENCY` overrides; `PS_DISPATCHERS` lists the variants, e.g. `1,2`).',
      `**Achieved rate**: messages / (first to last acceptance at the emulator + ${DELAY_S} s), which equals the offered`,
      'rate when every sender sends its messages exactly the delay apart from the same moment on.',
      "**Extra gap**: for consecutive sends of one sender, the gap minus the delay, by the ledger's",
      '`sending_at` (Postgres\'s clock, at the claim) and by the emulator\'s acceptance stamps (ms); "short": below the delay.',
      'CPU from `/proc/<pid>/stat` while the dispatchers worked (Postgres: the backends serving the',
      "run's database), per message and as cores in use over the span. Afterwards every message must be SENT",
      "once, every campaign COMPLETED, and the emulator's log hold each sender/recipient pair once.",
      "Where a send's time goes: from its claim (`sending_at`) to the emulator accepting it, and from there to",
      'the outcome transaction (`sent_at`); what the achieved rate lost, per sender: its first send after the',
      "run's first (start-up) and its extra gaps added up; and the most messages SENDING at once (sampled every 0.5 s).",
      `Targets: achieved ≥ ${TARGET_SHARE * 100}% of offered, extra gap p99 ≤ ${TARGET_P99_MS} ms, no short gap.`,
      '',
      table(
        [
          'dispatchers',
          'CONCURRENCY each',
          'offered msg/s',
          'achieved msg/s (share)',
          'span',
          'extra gap p50 / p99 / max, ledger',
          'short, ledger',
          'extra gap p50 / p99 / max, emulator',
          'short, emulator',
          'sent by each dispatcher',
          'targets met',
          'correct',
        ],
        runs.map((r) => [
          String(r.dispatchers),
          String(r.concurrency),
          fmtInt(offered()),
          `${fmtInt(achieved(r))} (${Math.round((achieved(r) / offered()) * 100)}%)`,
          fmtSeconds(r.spanSeconds, 1),
          gapCells(r.ledger).slice(0, 3).join(' / '),
          gapCells(r.ledger)[3] as string,
          gapCells(r.emulator).slice(0, 3).join(' / '),
          gapCells(r.emulator)[3] as string,
          r.shares.map(fmtInt).join(' / '),
          meetsTargets(r) ? 'yes' : 'no',
          r.problems.length === 0 ? 'yes' : 'NO',
        ]),
      ),
      '',
      table(
        [
          'dispatchers',
          'dispatcher CPU/msg (cores)',
          'Postgres CPU/msg (cores)',
          'emulator process CPU/msg (cores)',
          'bench process CPU/msg (cores)',
          'transactions/msg',
          'claim → WAHA accepted p50 / p99',
          'WAHA accepted → outcome recorded p50 / p99',
          "each sender's first send after the run's first p50 / max",
          "each sender's extra gaps added up p50 / max",
          'most SENDING at once',
          'machine busy (all cores)',
          'load average after (1/5/15 min)',
        ],
        runs.map((r) => [
          String(r.dispatchers),
          `${perMessage(dispatcherCpu(r))} (${cores(r, dispatcherCpu(r))})`,
          `${perMessage(r.postgresCpu)} (${cores(r, r.postgresCpu)})`,
          `${perMessage(r.emulatorCpu)} (${cores(r, r.emulatorCpu)})`,
          `${perMessage(r.benchCpu)} (${cores(r, r.benchCpu)})`,
          (r.transactions / total()).toFixed(1),
          r.phases ? `${fmtMs(r.phases.out.p50)} / ${fmtMs(r.phases.out.p99)}` : 'n/a',
          r.phases ? `${fmtMs(r.phases.back.p50)} / ${fmtMs(r.phases.back.p99)}` : 'n/a',
          `${fmtMs(r.spread.start.p50)} / ${fmtMs(r.spread.start.max)}`,
          `${fmtMs(r.spread.drift.p50)} / ${fmtMs(r.spread.drift.max)}`,
          fmtInt(r.inFlight),
          `${Math.round(r.machineBusy * 100)}%`,
          r.load,
        ]),
      ),
    ].join('\n');
    return {
      markdown,
      reading: `${runs.map((r) => `${summaryLine(r)} (${diagnosis(r)})`).join('; ')}.`,
      summary: runs.map(summaryLine),
      problems: runs.flatMap((r) => r.problems.map((p) => `${r.dispatchers} dispatcher(s): ${p}`)),
    };
  },
};
