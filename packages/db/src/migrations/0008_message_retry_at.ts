import { type Kysely, sql } from 'kysely';

// A retry waits on its own message, not on its sender: `retry_at` is when a PENDING message put
// back after a transient error may go again (null: now). The sender's other messages go on
// meanwhile. Forward-only; never import application code here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE messages ADD COLUMN retry_at timestamptz`.execute(db);
}
