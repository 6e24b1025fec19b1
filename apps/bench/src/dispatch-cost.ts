import type { Database } from '@herald/db';
import { waitFor } from '@herald/testing';
import { type Kysely, sql } from 'kysely';
import { type DispatcherProcess, stopDispatcher } from './dispatchers.ts';
import {
  backendCpuDelta,
  machineBusyShare,
  readBackendCpu,
  readCpuSeconds,
  readMachineCpu,
  readTransactionCount,
  sampleEvery,
} from './proc.ts';

/** CPU spent while dispatchers worked, by process, in seconds over the metered span. */
export interface DispatchCost {
  dispatcherUser: number;
  dispatcherSystem: number;
  /** The backends connected to the run's database; null when Postgres is not on this machine. */
  postgresCpu: number | null;
  /** This process: the gateway, any in-process emulators, the polling. */
  benchCpu: number;
  /** Other processes the scenario started (an emulator process), by pid. */
  otherCpu: Map<number, number>;
  /** Share of all cores that was busy, 0..1. */
  machineBusy: number;
}

export interface CostMeter {
  /** Reads every counter again: the cost since the meter started. */
  stop(): Promise<DispatchCost>;
  /** Transactions in the run's database since the meter started (read after the backends exit). */
  transactions(): Promise<number>;
}

/**
 * Starts counting the CPU of the dispatchers, of Postgres's backends serving `db`'s database, of
 * this process and of `otherPids`, and the machine's busy share, from now until `stop()`.
 */
export async function startCostMeter(
  db: Kysely<Database>,
  dispatchers: readonly DispatcherProcess[],
  otherPids: readonly number[] = [],
): Promise<CostMeter> {
  const cpuBefore = await Promise.all(dispatchers.map((d) => d.cpuTimes()));
  const othersBefore = await Promise.all(otherPids.map(readCpuSeconds));
  const pgBefore = await readBackendCpu(db);
  const machineBefore = await readMachineCpu();
  const transactionsBefore = await readTransactionCount(db);
  const benchBefore = process.cpuUsage();
  return {
    async stop() {
      const cpuAfter = await Promise.all(dispatchers.map((d) => d.cpuTimes()));
      const othersAfter = await Promise.all(otherPids.map(readCpuSeconds));
      const pgAfter = await readBackendCpu(db);
      const machineAfter = await readMachineCpu();
      const bench = process.cpuUsage(benchBefore);
      const sum = (f: (i: number) => number) => dispatchers.reduce((s, _, i) => s + f(i), 0);
      return {
        dispatcherUser: sum(
          (i) => (cpuAfter[i]?.userSeconds ?? 0) - (cpuBefore[i]?.userSeconds ?? 0),
        ),
        dispatcherSystem: sum(
          (i) => (cpuAfter[i]?.systemSeconds ?? 0) - (cpuBefore[i]?.systemSeconds ?? 0),
        ),
        postgresCpu: pgAfter.size > 0 ? backendCpuDelta(pgBefore, pgAfter) : null,
        benchCpu: (bench.user + bench.system) / 1e6,
        otherCpu: new Map(
          otherPids.map((pid, i) => [pid, (othersAfter[i] ?? 0) - (othersBefore[i] ?? 0)]),
        ),
        machineBusy: machineBusyShare(machineBefore, machineAfter),
      };
    },
    async transactions() {
      return (await readTransactionCount(db)) - transactionsBefore;
    },
  };
}

/**
 * Stops the dispatchers (SIGTERM) and waits until their backends have left: a backend flushes its
 * statistics when it exits, so transaction counts are complete only then.
 */
export async function stopDispatchersAndWait(
  db: Kysely<Database>,
  dispatchers: readonly DispatcherProcess[],
): Promise<void> {
  await Promise.all(dispatchers.map((d) => stopDispatcher(d)));
  await waitFor(
    async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE 'herald-dispatcher%'`.execute(
        db,
      );
      return rows[0]?.n === 0;
    },
    { timeoutMs: 15_000, what: 'the dispatchers to disconnect' },
  );
}

/** Messages each dispatcher sent (by `claimed_by`), in the order given. */
export async function sharesByDispatcher(
  db: Kysely<Database>,
  dispatchers: readonly DispatcherProcess[],
): Promise<number[]> {
  const { rows } = await sql<{ id: string; n: number }>`
    SELECT split_part(claimed_by, ':', 1) AS id, count(*)::int AS n
    FROM messages GROUP BY 1`.execute(db);
  return dispatchers.map((d) => rows.find((row) => row.id === d.id)?.n ?? 0);
}

export interface InFlightSampler {
  /** Stops sampling; the most messages seen SENDING at once. */
  stop(): number;
}

/**
 * Samples how many messages are SENDING (claimed, outcome not yet recorded): with one message in
 * flight per sender, a count far above what the workers hold shows claims queueing for something.
 */
export function sampleInFlight(db: Kysely<Database>, intervalMs = 500): InFlightSampler {
  let most = 0;
  const stop = sampleEvery(intervalMs, async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM messages WHERE status = 'SENDING'`.execute(db);
    most = Math.max(most, rows[0]?.n ?? 0);
  });
  return {
    stop() {
      stop();
      return most;
    },
  };
}
