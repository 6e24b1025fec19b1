import { readFile } from 'node:fs/promises';
import type { Database } from '@herald/db';
import { type Kysely, sql } from 'kysely';

// /proc reports CPU time in clock ticks of USER_HZ, which is 100 on Linux x86-64 and arm64.
const TICKS_PER_SECOND = 100;

export interface ProcMemory {
  /** VmRSS: resident now. */
  rssBytes: number;
  /** VmHWM: the highest resident size since the process started. */
  hwmBytes: number;
  /** RssAnon: the process's own memory, without the mapped Node binary and libraries. */
  anonBytes: number;
}

export async function readProcMemory(pid: number): Promise<ProcMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: kib('VmRSS'), hwmBytes: kib('VmHWM'), anonBytes: kib('RssAnon') };
}

export interface CpuTimes {
  userSeconds: number;
  systemSeconds: number;
}

/** User and system CPU time the process has used so far. */
export async function readCpuTimes(pid: number): Promise<CpuTimes> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may hold spaces; fields count from after it, where
  // field 3 (state) comes first, so utime (14) and stime (15) sit at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    userSeconds: Number(fields[11]) / TICKS_PER_SECOND,
    systemSeconds: Number(fields[12]) / TICKS_PER_SECOND,
  };
}

/** User plus system CPU time the process has used so far, in seconds. */
export async function readCpuSeconds(pid: number): Promise<number> {
  const times = await readCpuTimes(pid);
  return times.userSeconds + times.systemSeconds;
}

/**
 * CPU seconds of each Postgres backend now serving `db`'s database. Readable only when Postgres
 * runs on this machine; a backend that exits between two readings takes its time with it.
 */
export async function readBackendCpu(db: Kysely<Database>): Promise<Map<number, number>> {
  const { rows } = await sql<{ pid: number }>`
    SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(db);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = await readCpuSeconds(pid).catch(() => undefined);
    if (seconds !== undefined) cpu.set(pid, seconds);
  }
  return cpu;
}

/** CPU used between two readings of `readBackendCpu` (backends that appeared count from 0). */
export function backendCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

export interface MachineCpu {
  busyTicks: number;
  totalTicks: number;
}

/** The whole machine's CPU counters (all cores), to show how busy it was during a run. */
export async function readMachineCpu(): Promise<MachineCpu> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  // idle and iowait are the 4th and 5th counters.
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busyTicks: total - idle, totalTicks: total };
}

/** Share of all cores that was busy between two readings, 0..1. */
export function machineBusyShare(before: MachineCpu, after: MachineCpu): number {
  const total = after.totalTicks - before.totalTicks;
  return total > 0 ? (after.busyTicks - before.busyTicks) / total : 0;
}

/** Transactions committed or rolled back in `db`'s database so far (as far as stats are flushed). */
export async function readTransactionCount(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT (xact_commit + xact_rollback)::float8 AS n
    FROM pg_stat_database WHERE datname = current_database()`.execute(db);
  return rows[0]?.n ?? 0;
}

export interface RssSampler {
  /** Stops sampling; the highest VmRSS seen per pid. */
  stop(): Map<number, number>;
}

/**
 * Samples VmRSS while a measurement runs. VmHWM alone would report the startup peak of tsx
 * compiling the sources, which a process that finds its compile cache warm never reaches.
 */
export function sampleRss(pids: readonly number[], intervalMs = 100): RssSampler {
  const peaks = new Map<number, number>(pids.map((pid) => [pid, 0]));
  const stop = sampleEvery(intervalMs, () =>
    Promise.all(
      pids.map(async (pid) => {
        const { rssBytes } = await readProcMemory(pid);
        peaks.set(pid, Math.max(peaks.get(pid) ?? 0, rssBytes));
      }),
    ),
  );
  return {
    stop() {
      stop();
      return peaks;
    },
  };
}

/**
 * Runs `sample` every `intervalMs` (a failed sample, e.g. of a process that just exited, is
 * skipped) until the returned function is called; the timer never keeps the process alive.
 */
export function sampleEvery(intervalMs: number, sample: () => Promise<unknown>): () => void {
  const timer = setInterval(() => {
    sample().catch(() => {});
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
