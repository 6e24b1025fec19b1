import { type Kysely, sql } from 'kysely';

// Forward-only. Never import application code here: a migration must mean the same thing forever.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The dashboard's "messages per minute, last hour" reads settled messages by finished_at; only
  // settled rows carry it, so the index stays as small as the recent history.
  await sql`CREATE INDEX messages_finished_at_idx ON messages (finished_at) WHERE finished_at IS NOT NULL`.execute(
    db,
  );
}
