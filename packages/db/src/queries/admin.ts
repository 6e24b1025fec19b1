import type { SessionStatus } from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import { workerUsable } from './send-readiness.ts';

export interface SystemCounts {
  active_sessions: number;
  total_sessions: number;
  messages_sent_today: number;
  messages_pending: number;
  messages_sending: number;
  messages_unknown: number;
  messages_failed: number;
  total_campaigns: number;
  campaigns_in_progress: number;
  total_users: number;
  workers_total: number;
  workers_healthy: number;
}

/** One round trip of counts for the admin dashboard; `since` is the start of "today". */
export async function countSystem(db: Kysely<Database>, since: Date): Promise<SystemCounts> {
  const result = await sql<SystemCounts>`
    SELECT
      (SELECT count(*) FROM sessions WHERE status = 'CONNECTED')::int AS active_sessions,
      (SELECT count(*) FROM sessions)::int AS total_sessions,
      (SELECT count(*) FROM messages WHERE sent_at >= ${since})::int AS messages_sent_today,
      (SELECT count(*) FROM messages WHERE status = 'PENDING')::int AS messages_pending,
      (SELECT count(*) FROM messages WHERE status = 'SENDING')::int AS messages_sending,
      (SELECT coalesce(sum(unknown_messages), 0) FROM campaigns)::int AS messages_unknown,
      (SELECT coalesce(sum(failed_messages), 0) FROM campaigns)::int AS messages_failed,
      (SELECT count(*) FROM campaigns)::int AS total_campaigns,
      (SELECT count(*) FROM campaigns WHERE status = 'IN_PROGRESS')::int AS campaigns_in_progress,
      (SELECT count(*) FROM senders)::int AS total_users,
      (SELECT count(*) FROM workers)::int AS workers_total,
      (SELECT count(*) FROM workers w WHERE ${workerUsable})::int AS workers_healthy`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('count query returned no row');
  return row;
}

/** Messages that reached a final status in one minute, by that status. */
export interface OutcomeMinute {
  minute: Date;
  status: 'SENT' | 'FAILED' | 'UNKNOWN' | 'SUPPRESSED';
  count: number;
}

/**
 * Messages that reached an outcome, per minute since `since` (minutes without any are absent).
 * Cancelled messages were never tried: they are not an outcome of sending.
 */
export async function countOutcomesPerMinute(
  db: Kysely<Database>,
  since: Date,
): Promise<OutcomeMinute[]> {
  const result = await sql<OutcomeMinute>`
    SELECT date_trunc('minute', finished_at) AS minute, status, count(*)::int AS count
    FROM messages
    WHERE finished_at >= ${since} AND finished_at IS NOT NULL
      AND status IN ('SENT', 'FAILED', 'UNKNOWN', 'SUPPRESSED')
    GROUP BY 1, 2
    ORDER BY 1, 2`.execute(db);
  return result.rows;
}

export interface UserSummary {
  phone_number: string;
  total_campaigns: number;
  total_messages: number;
  sent_messages: number;
  failed_messages: number;
  session_status: SessionStatus | null;
  phone_active_at: Date | null;
  device_active_at: Date | null;
  last_campaign: Date | null;
  created_at: Date;
}

/** Every sender (a "user" is a sender number) with its campaign totals and session. */
export function listUserSummaries(db: Kysely<Database>): Promise<UserSummary[]> {
  return db
    .selectFrom('senders')
    .leftJoin('sessions', 'sessions.phone_number', 'senders.phone_number')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('campaigns')
          .select('sender_number')
          .select((c) => [
            sql<number>`count(*)::int`.as('total_campaigns'),
            sql<number>`sum(total_messages)::int`.as('total_messages'),
            sql<number>`sum(sent_messages)::int`.as('sent_messages'),
            sql<number>`sum(failed_messages)::int`.as('failed_messages'),
            c.fn.max('created_at').as('last_campaign'),
          ])
          .groupBy('sender_number')
          .as('totals'),
      (join) => join.onRef('totals.sender_number', '=', 'senders.phone_number'),
    )
    .select([
      'senders.phone_number',
      'senders.created_at',
      'sessions.status as session_status',
      'sessions.phone_active_at',
      'sessions.device_active_at',
      'totals.last_campaign',
    ])
    .select([
      sql<number>`coalesce(totals.total_campaigns, 0)`.as('total_campaigns'),
      sql<number>`coalesce(totals.total_messages, 0)`.as('total_messages'),
      sql<number>`coalesce(totals.sent_messages, 0)`.as('sent_messages'),
      sql<number>`coalesce(totals.failed_messages, 0)`.as('failed_messages'),
    ])
    .orderBy('senders.phone_number')
    .execute() as Promise<UserSummary[]>;
}
