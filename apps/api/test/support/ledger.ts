import type { Database } from '@herald/db';
import { type Kysely, sql } from 'kysely';

export interface LedgerTotals {
  campaigns: number;
  messages: number;
  turns: number;
}

/** Everything a submitted campaign writes: campaign rows, message rows and sender-turn jobs. */
export async function ledgerTotals(db: Kysely<Database>): Promise<LedgerTotals> {
  const { rows } = await sql<LedgerTotals>`
    SELECT (SELECT count(*)::int FROM campaigns) AS campaigns,
           (SELECT count(*)::int FROM messages) AS messages,
           (SELECT count(*)::int FROM pgboss.job WHERE name = 'sender-turn') AS turns`.execute(db);
  return rows[0] as LedgerTotals;
}

/** The sender-turn jobs queued for one sender. */
export async function turnsFor(db: Kysely<Database>, sender: string) {
  const { rows } = await sql<{ singleton_key: string | null; state: string; data: unknown }>`
    SELECT singleton_key, state, data FROM pgboss.job
    WHERE name = 'sender-turn' AND data->>'sender_number' = ${sender}`.execute(db);
  return rows;
}
