import type { Database } from '@herald/db';
import { turnJobs } from '@herald/testing';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';

export interface LedgerTotals {
  campaigns: number;
  messages: number;
  turns: number;
}

/** Everything a submitted campaign writes: campaign rows, message rows and sender-turn jobs. */
export async function ledgerTotals(db: Kysely<Database>, boss: PgBoss): Promise<LedgerTotals> {
  const [campaigns, messages] = await Promise.all(
    (['campaigns', 'messages'] as const).map(async (table) => {
      const row = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }),
  );
  return {
    campaigns: campaigns ?? 0,
    messages: messages ?? 0,
    turns: (await turnJobs(boss)).length,
  };
}
