import { sql } from 'kysely';

// "Can this sender send now", defined once for every query that asks. The expressions read a
// sender's rows under fixed names: `s` (senders), `ses` (its session) and `w` (that session's
// worker), as `FROM senders s ${sessionAndWorker}` joins them.

export type PauseReason =
  | 'HEALTH'
  | 'NO_SESSION'
  | 'SESSION_NOT_CONNECTED'
  | 'NO_WORKER'
  | 'WORKER_DISABLED'
  | 'WORKER_UNHEALTHY';

/** From `senders s`: its session `ses` and that session's worker `w`, either possibly missing. */
export const sessionAndWorker = sql`
  LEFT JOIN sessions ses ON ses.phone_number = s.phone_number
  LEFT JOIN workers w ON w.id = ses.worker_id`;

/**
 * A worker Herald may use (`w`): enabled by an admin and answering its probes. A worker its
 * circuit breaker degraded is not healthy (`worker-breaker.ts`), so it stops here too.
 */
export const workerUsable = sql<boolean>`(w.enabled AND w.healthy)`;

/** Why the sender's session cannot send now, or NULL: CONNECTED on a worker Herald may use. */
const sessionPauseReason = sql<PauseReason | null>`CASE
    WHEN ses.phone_number IS NULL THEN 'NO_SESSION'
    WHEN ses.status <> 'CONNECTED' THEN 'SESSION_NOT_CONNECTED'
    WHEN w.id IS NULL THEN 'NO_WORKER'
    WHEN NOT w.enabled THEN 'WORKER_DISABLED'
    WHEN NOT w.healthy THEN 'WORKER_UNHEALTHY'
  END`;

/** The session (`ses` on `w`) can send, whatever the sender's own pause: keep-alives use it. */
export const sessionReady = sql<boolean>`(${sessionPauseReason} IS NULL)`;

/**
 * Why the sender cannot send now, or NULL when it can: no admin-only pause (HEALTH: its health
 * rule tripped or WhatsApp logged it out), and its session CONNECTED on a worker Herald may use.
 * A paused sender's messages wait; they resume when the reason goes away.
 */
export const pauseReason = sql<PauseReason | null>`CASE
    WHEN s.paused_reason IS NOT NULL THEN s.paused_reason
    ELSE ${sessionPauseReason}
  END`;

/** The sender can send now (see `pauseReason`). */
export const canSend = sql<boolean>`(${pauseReason} IS NULL)`;
