import { type Kysely, sql } from 'kysely';

// The dispatchers alive now: each refreshes its row with its heartbeat (which also renews the
// sender leases it holds), and a row whose `expires_at` passed belongs to a dead dispatcher and is
// deleted by the next heartbeat of any other. Fair shares of the senders are counted from it.
// Forward-only; never import application code here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE dispatchers (
      id text PRIMARY KEY,
      started_at timestamptz NOT NULL DEFAULT now(),
      heartbeat_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )
  `.execute(db);
}
