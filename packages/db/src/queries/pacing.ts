import { sql } from 'kysely';

// A sender's pacing, defined once: the claim waits for `senderDueAt` and the recovery sweep
// resumes senders past it, so they agree by construction. The expressions read the sender as `s`
// and the global settings as `d` (`FROM senders s ${withDelaySettings}`); they are evaluated at
// every use, so a changed delay applies from the next claim.

/** The global delay settings `d` beside `senders s`. */
export const withDelaySettings = sql`LEFT JOIN delay_settings d ON d.id = 1`;

/** The delays in force for sender `s`, in seconds: its override, else the global value, else 0. */
export const delaysInForce = {
  message: sql<number>`COALESCE(s.message_delay, d.message_delay, 0)::float8`,
  senderSwitch: sql<number>`COALESCE(s.sender_switch_delay, d.sender_switch_delay, 0)::float8`,
};

// The jitter was drawn once, when the last outcome was recorded: every dispatcher waits the same.
const afterMessageDelay = sql<Date | null>`(s.last_sent_at
  + make_interval(secs => ${delaysInForce.message} + s.jitter_seconds::float8))`;

/**
 * When sender `s` may send next: MESSAGE_DELAY in force plus its drawn jitter after the end of its
 * last WAHA call, and not before the floor in `next_send_at` (a retry's backoff, or a policy hold).
 */
export const senderDueAt = sql<Date>`GREATEST(${afterMessageDelay}, s.next_send_at)`;

/** What `senderDueAt` waits for. */
export const senderDueReason = sql<string>`CASE
    WHEN s.next_send_at > ${afterMessageDelay} THEN COALESCE(s.held_reason, 'RETRY_BACKOFF')
    ELSE 'MESSAGE_DELAY' END`;

/** Rounds a timestamp up to whole milliseconds, so a JavaScript Date never reads it early. */
export const ceilToMilliseconds = (at: typeof senderDueAt) =>
  sql<Date>`date_trunc('milliseconds', ${at} + interval '999 microseconds')`;
