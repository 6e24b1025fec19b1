import { type Kysely, sql } from 'kysely';

// The trigger that records a statement's status changes joins its old rows to its new ones. The
// plan PL/pgSQL keeps for it was made for a transition table of one row: a nested loop, which reads
// every old row once per new row, 40,000 pairs for a batch of 200 (18 of a batched claim's 40 ms).
// Without nested loops the join hashes or merges, whatever the batch. Forward-only; never import
// application code here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER FUNCTION record_message_events() SET enable_nestloop = off`.execute(db);
}
