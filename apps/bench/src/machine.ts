import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { createTestDatabase } from '@herald/testing';
import { sql } from 'kysely';
import type { MachineFacts } from './report.ts';
import { fmtMiB } from './stats.ts';

export interface MachineSnapshot {
  facts: MachineFacts;
  /** Adds the load average at the end, so a noisy run shows. */
  finish(): MachineFacts;
}

/** The load average (1/5/15 min), as printed in the reports. */
export const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

/** What the numbers depend on: cores, memory, Node, Postgres (asked through a test database). */
export async function describeMachine(): Promise<MachineSnapshot> {
  const database = await createTestDatabase();
  let postgres: string;
  try {
    const { rows } = await sql<{ version: string }>`SELECT version()`.execute(database.db);
    postgres = rows[0]?.version.split(' on ')[0] ?? 'unknown';
  } finally {
    await database.drop();
  }
  const rows: [string, string][] = [
    ['date', new Date().toISOString()],
    ['cores (nproc)', String(availableParallelism())],
    ['CPU', cpus()[0]?.model.trim() ?? 'unknown'],
    ['total memory', fmtMiB(totalmem())],
    ['Node', process.version],
    ['Postgres', `${postgres} (same machine, shared with other work)`],
    ['load average (1/5/15 min) at start', load()],
  ];
  return {
    facts: { rows },
    finish: () => ({ rows: [...rows, ['load average (1/5/15 min) at end', load()]] }),
  };
}
