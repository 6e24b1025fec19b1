import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@herald/db';
import { type Kysely, sql } from 'kysely';
import { type DispatcherProcess, startDispatcherProcess, stopDispatcher } from '../dispatchers.ts';
import type { Cleanup } from '../lifecycle.ts';
import { backendCpuDelta, readBackendCpu } from '../proc.ts';
import { table } from '../report.ts';
import { freshDatabase, stoppedAtCleanup } from '../resources.ts';
import type { Scenario } from '../scenario.ts';
import { fmtInt } from '../stats.ts';
import { type DirectTarget, startEmulatorProcess } from '../waha-direct.ts';

const WORKERS = 1_000;
/** Every worker is due at once when registered: the first pass is a burst, not the steady state. */
const WARMUP_SECONDS = 30;
const WINDOW_SECONDS = 60;
/** Target (issue: reads at scale): probing 1,000 workers costs at most this share of one core. */
const TARGET_PERCENT = 5;
const DEFAULT_PROBE_INTERVAL_SECONDS = 15;

interface Side {
  label: string;
  db: Kysely<Database>;
  dispatcher: DispatcherProcess;
}

interface Reading {
  dispatcherSeconds: number;
  postgresSeconds: number;
  /** Rows of `workers` updated in the window: a probe writes its worker twice (claim, outcome). */
  workerUpdates: number;
}

/** 1,000 healthy Plus workers, each one of the emulator process's workers, in one statement. */
async function registerWorkers(db: Kysely<Database>, target: DirectTarget): Promise<void> {
  const urls = target.workers.map((w) => w.url);
  const keys = target.workers.map((w) => w.apiKey ?? '');
  await sql`
    INSERT INTO workers (name, url, api_key, capacity, tier, healthy)
    SELECT 'probe-' || n, t.url, t.key, 50, 'PLUS', true
    FROM unnest(${urls}::text[], ${keys}::text[]) WITH ORDINALITY AS t(url, key, n)`.execute(db);
}

async function side(cleanup: Cleanup, label: string, env: Record<string, string>): Promise<Side> {
  const database = await freshDatabase(cleanup, `the ${label} database`);
  const dispatcher = await startDispatcherProcess(database.url, `probe-${label}`, env);
  cleanup.defer(`stop the ${label} dispatcher`, () => stopDispatcher(dispatcher));
  return { label, db: database.db, dispatcher };
}

async function workerUpdates(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT n_tup_upd::float8 AS n FROM pg_stat_user_tables WHERE relname = 'workers'`.execute(db);
  return rows[0]?.n ?? 0;
}

async function readSide(s: Side) {
  const [cpu, backends, updates] = await Promise.all([
    s.dispatcher.cpuTimes(),
    readBackendCpu(s.db),
    workerUpdates(s.db),
  ]);
  return { cpu: cpu.userSeconds + cpu.systemSeconds, backends, updates };
}

/** How long ago each worker was last seen healthy, at the end of the window. */
async function staleness(db: Kysely<Database>) {
  const { rows } = await sql<{ healthy: number; max: number; p99: number }>`
    SELECT count(*) FILTER (WHERE healthy)::int AS healthy,
           max(extract(epoch FROM now() - last_seen_at))::float8 AS max,
           percentile_disc(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM now() - last_seen_at))::float8 AS p99
    FROM workers`.execute(db);
  return rows[0] ?? { healthy: 0, max: Number.NaN, p99: Number.NaN };
}

const percent = (seconds: number) => `${((seconds / WINDOW_SECONDS) * 100).toFixed(2)}%`;

/**
 * What probing a large fleet costs while nothing else happens: 1,000 emulated WAHA workers (one
 * emulator process), one dispatcher with default probe settings, against an idle dispatcher with
 * no worker on its own database in the same moments (the baseline).
 */
export const probeCostScenario: Scenario = {
  name: 'probe-cost',
  title: 'CPU of probing 1,000 workers, beside an idle dispatcher',
  timeoutMs: 300_000,
  async run(cleanup, log) {
    const fleet = stoppedAtCleanup(cleanup, 'the emulator', await startEmulatorProcess(WORKERS, 0));
    // BENCH_CPU_PROF=<dir>: the probing dispatcher writes a V8 CPU profile there when stopped.
    const profile = process.env.BENCH_CPU_PROF;
    const probing = await side(
      cleanup,
      'fleet',
      profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profile}` } : {},
    );
    const idle = await side(cleanup, 'idle', {});
    await registerWorkers(probing.db, fleet);
    log(`${WORKERS} workers registered; ${WARMUP_SECONDS} s to settle past the first pass`);
    await sleep(WARMUP_SECONDS * 1000);

    const before = await Promise.all([readSide(probing), readSide(idle)]);
    await sleep(WINDOW_SECONDS * 1000);
    const after = await Promise.all([readSide(probing), readSide(idle)]);
    const seen = await staleness(probing.db);
    const [fleetRun, idleRun] = [0, 1].map(
      (i): Reading => ({
        dispatcherSeconds: (after[i]?.cpu ?? 0) - (before[i]?.cpu ?? 0),
        postgresSeconds: backendCpuDelta(
          before[i]?.backends ?? new Map(),
          after[i]?.backends ?? new Map(),
        ),
        workerUpdates: (after[i]?.updates ?? 0) - (before[i]?.updates ?? 0),
      }),
    ) as [Reading, Reading];
    const extra = (r: Reading) => r.dispatcherSeconds + r.postgresSeconds;
    const probingCost = extra(fleetRun) - extra(idleRun);
    const probesPerSecond = fleetRun.workerUpdates / 2 / WINDOW_SECONDS;
    const expected = WORKERS / DEFAULT_PROBE_INTERVAL_SECONDS;
    const problems: string[] = [];
    if (seen.healthy !== WORKERS) problems.push(`${WORKERS - seen.healthy} workers not healthy`);
    const row = (label: string, r: Reading) => [
      label,
      percent(r.dispatcherSeconds),
      percent(r.postgresSeconds),
      percent(extra(r)),
    ];
    const markdown = [
      `One emulator process hosting ${fmtInt(WORKERS)} WAHA Plus workers (each its own port, no session),`,
      `registered as healthy workers; one dispatcher child process with default settings`,
      `(PROBE_INTERVAL_SECONDS ${DEFAULT_PROBE_INTERVAL_SECONDS}: each worker once per 15 s, i.e. ${expected.toFixed(1)} probes/s).`,
      `After ${WARMUP_SECONDS} s (the first pass finds every worker due at once), CPU over ${WINDOW_SECONDS} s from`,
      "`/proc/<pid>/stat`: the dispatcher's, and Postgres's as the backends connected to the run's",
      'database (background processes such as the WAL writer are not counted). **Baseline, same',
      'window:** a second dispatcher with default settings on its own database holding no worker.',
      'Probes counted from the `workers` rows updated in the window (two per probe: claim and outcome).',
      '',
      table(
        ['dispatcher', 'dispatcher CPU (% of one core)', 'Postgres CPU', 'together'],
        [row(`${fmtInt(WORKERS)} workers`, fleetRun), row('no worker (baseline)', idleRun)],
      ),
      '',
      table(
        [
          'probing cost (difference)',
          'target',
          'probes/s (expected)',
          'healthy',
          'oldest last_seen_at',
        ],
        [
          [
            percent(probingCost),
            `≤ ${TARGET_PERCENT}%`,
            `${probesPerSecond.toFixed(1)} (${expected.toFixed(1)})`,
            `${fmtInt(seen.healthy)} / ${fmtInt(WORKERS)}`,
            `${seen.max.toFixed(1)} s (p99 ${seen.p99.toFixed(1)} s)`,
          ],
        ],
      ),
    ].join('\n');
    const met = (probingCost / WINDOW_SECONDS) * 100 <= TARGET_PERCENT;
    const summary = [
      `probing ${fmtInt(WORKERS)} workers: ${percent(probingCost)} of one core beyond the idle dispatcher (dispatcher ${percent(fleetRun.dispatcherSeconds)} + Postgres ${percent(fleetRun.postgresSeconds)}; idle ${percent(extra(idleRun))})`,
      `${probesPerSecond.toFixed(1)} probes/s of ${expected.toFixed(1)} expected; oldest last_seen_at ${seen.max.toFixed(1)} s`,
    ];
    for (const line of summary) log(line);
    return {
      markdown,
      reading:
        `Probing ${fmtInt(WORKERS)} workers costs ${percent(probingCost)} of one core (dispatcher and Postgres, beyond the idle ` +
        `dispatcher's ${percent(extra(idleRun))}): target ${met ? 'met' : 'missed'}; ` +
        `${((probingCost * 1e6) / Math.max(1, fleetRun.workerUpdates / 2)).toFixed(0)} µs of CPU per probe.`,
      summary,
      problems,
    };
  },
};
