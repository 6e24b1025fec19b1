import { MAX_CONCURRENCY } from '@herald/dispatcher';
import { load } from '../machine.ts';
import type { PacingGaps } from '../pacing-gaps.ts';
import {
  achieved,
  achievedOver,
  DELAY_S,
  dispatcherCounts,
  offered,
  perSender,
  type Run,
  runVariant,
  senders,
  total,
  workerCount,
} from '../pacing-scale-run.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { fmtInt, fmtMs, fmtSeconds, type Summary } from '../stats.ts';

const TARGET_SHARE = 0.95;
const TARGET_P99_MS = 50;

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
const share = (rate: number) => `${fmtInt(rate)} (${Math.round((rate / offered()) * 100)}%)`;
const steadyCells = ({ spread: { steady } }: Run) =>
  steady
    ? [share(steady.rate), `${fmtMs(steady.extra.p50)} / ${fmtMs(steady.extra.p99)}`]
    : ['n/a', 'n/a'];
const p50p99 = (summary: Summary | null) =>
  summary ? `${fmtMs(summary.p50)} / ${fmtMs(summary.p99)}` : 'n/a';
const roundCells = ({ spread: { rounds } }: Run) =>
  `${p50p99(rounds.first)}, ${p50p99(rounds.later)}`;
/** The direct pacer of the same run (`paceDirectly`): its share, steady p50 / p99, whole-run p99. */
const directCells = ({ direct }: Run) => [
  share(achievedOver(direct.spanSeconds)),
  direct.spread.steady
    ? `${fmtMs(direct.spread.steady.extra.p50)} / ${fmtMs(direct.spread.steady.extra.p99)}`
    : 'n/a',
  gapCells(direct.gaps)[1] as string,
];
/** Herald's whole-run extra-gap p99 over the direct pacer's, in the same run. */
const versusDirect = (r: Run) =>
  r.emulator.extra && r.direct.gaps.extra
    ? `×${(r.emulator.extra.p99 / Math.max(1, r.direct.gaps.extra.p99)).toFixed(1)}`
    : 'n/a';
const summaryLine = (r: Run) =>
  `${r.dispatchers} dispatcher(s): ${fmtInt(achieved(r))} of ${fmtInt(offered())} msg/s offered (${Math.round((achieved(r) / offered()) * 100)}%; steady ${steadyCells(r).join(', extra gap p50/p99 ')}), ` +
  `extra gap p50/p99/max ${gapCells(r.emulator).slice(0, 3).join(' / ')} (${versusDirect(r)} the direct pacer's p99), ${r.emulator.early + r.ledger.early} short gaps, ` +
  `dispatcher ${perMessage(dispatcherCpu(r))}/msg (${cores(r, dispatcherCpu(r))} cores), Postgres ${perMessage(r.postgresCpu)}/msg (${cores(r, r.postgresCpu)} cores); ` +
  `direct pacer ${directCells(r)[0]}, steady p50/p99 ${directCells(r)[1]}, p99 ${directCells(r)[2]}`;

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
      'are child processes started as deployed, all at once (as `docker compose --scale` starts them), each',
      `with CONCURRENCY = its share of the senders, at most ${MAX_CONCURRENCY}`,
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
      "run's first (start-up) and its extra gaps added up; the extra gaps of the first round (each sender's second",
      "send, due the delay after its first, which left in the start-up's burst) and of the rounds after;",
      'the **steady part** (every sender under way, none done yet):',
      'its sends per second (each sender at one per its mean gap there) and the extra gaps that began in it; the most',
      'messages SENDING at once (sampled every 0.5 s).',
      '**Baseline, same run: the direct pacer.** Before the dispatchers start, the bench process sends the same',
      "number of texts from the same sessions straight to the same emulator through Herald's own WAHA client,",
      "each sender's next the delay after its call returned, all senders starting at once, with nothing else",
      'to do: no database, no queue, exact timers. Its gaps are what the machine, Node and the emulator add by',
      "themselves at the offered rate; Herald's p99 is also given as a multiple of its p99.",
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
          'direct pacer: achieved (share)',
          'direct pacer: steady extra gap p50 / p99',
          'direct pacer: extra gap p99',
          "Herald's p99 ÷ the direct pacer's",
          'sent by each dispatcher',
          'targets met',
          'correct',
        ],
        runs.map((r) => [
          String(r.dispatchers),
          String(r.concurrency),
          fmtInt(offered()),
          share(achieved(r)),
          fmtSeconds(r.spanSeconds, 1),
          gapCells(r.ledger).slice(0, 3).join(' / '),
          gapCells(r.ledger)[3] as string,
          gapCells(r.emulator).slice(0, 3).join(' / '),
          gapCells(r.emulator)[3] as string,
          ...directCells(r),
          versusDirect(r),
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
          'extra gap p50 / p99: first round, later rounds',
          'steady part: msg/s (share)',
          'steady part: extra gap p50 / p99',
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
          roundCells(r),
          ...steadyCells(r),
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
