// What health checks and Prometheus read of the database: cheap counts and the migration state.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import { canSend, sessionAndWorker } from './send-readiness.ts';

export interface FleetGauges {
  messagesPending: number;
  /** Senders with pending messages that can send now / that are paused (see `pauseReason`). */
  sendersActive: number;
  sendersPaused: number;
  sessionsByStatus: Record<string, number>;
  /** Each worker counted once; `degraded`: held unhealthy by its circuit breaker. */
  workers: { healthy: number; unhealthy: number; degraded: number; disabled: number };
}

/** Not made unhealthy by its circuit breaker (a probe clears `degraded_until` when it restores it). */
const notDegraded = sql<boolean>`(degraded_until IS NULL)`;

/** The gauges Prometheus scrapes: a handful of counts, each one pass over an indexed set. */
export async function readFleetGauges(db: Kysely<Database>): Promise<FleetGauges> {
  const [pending, senders, sessions, workers] = await Promise.all([
    sql<{ n: string }>`SELECT count(*) AS n FROM messages WHERE status = 'PENDING'`.execute(db),
    sql<{ active: string; paused: string }>`
      SELECT count(*) FILTER (WHERE ${canSend}) AS active,
             count(*) FILTER (WHERE NOT ${canSend}) AS paused
      FROM senders s ${sessionAndWorker}
      WHERE EXISTS (
        SELECT 1 FROM messages m WHERE m.sender_number = s.phone_number AND m.status = 'PENDING'
      )`.execute(db),
    sql<{ status: string; n: string }>`
      SELECT status, count(*) AS n FROM sessions GROUP BY status`.execute(db),
    sql<{ healthy: string; unhealthy: string; degraded: string; disabled: string }>`
      SELECT count(*) FILTER (WHERE enabled AND healthy) AS healthy,
             count(*) FILTER (WHERE enabled AND NOT healthy AND ${notDegraded}) AS unhealthy,
             count(*) FILTER (WHERE enabled AND NOT healthy AND NOT ${notDegraded}) AS degraded,
             count(*) FILTER (WHERE NOT enabled) AS disabled
      FROM workers`.execute(db),
  ]);
  const w = workers.rows[0];
  return {
    messagesPending: Number(pending.rows[0]?.n ?? 0),
    sendersActive: Number(senders.rows[0]?.active ?? 0),
    sendersPaused: Number(senders.rows[0]?.paused ?? 0),
    sessionsByStatus: Object.fromEntries(sessions.rows.map((r) => [r.status, Number(r.n)])),
    workers: {
      healthy: Number(w?.healthy ?? 0),
      unhealthy: Number(w?.unhealthy ?? 0),
      degraded: Number(w?.degraded ?? 0),
      disabled: Number(w?.disabled ?? 0),
    },
  };
}

/** Whether every migration this build knows is applied (readiness). */
export async function pendingMigrations(
  db: Kysely<Database>,
  known: readonly string[],
): Promise<string[]> {
  const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration`
    .execute(db)
    .then((r) => new Set(r.rows.map((row) => row.name)))
    .catch(() => new Set<string>());
  return known.filter((name) => !applied.has(name));
}
