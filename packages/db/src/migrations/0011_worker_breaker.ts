import { type Kysely, sql } from 'kysely';

// The worker circuit breaker, shared by every dispatcher: ambiguous send failures (timeouts,
// resets) counted in a window on the worker's row; once tripped, the worker is unhealthy (its
// senders wait) and `degraded_until` keeps the probe from bringing it back before the cool-down.
// Forward-only; never import application code here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE workers
      ADD COLUMN breaker_failures integer NOT NULL DEFAULT 0,
      ADD COLUMN breaker_window_started_at timestamptz,
      ADD COLUMN degraded_until timestamptz
  `.execute(db);
}
