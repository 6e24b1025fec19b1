import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import { planOnce } from '../plan-once.ts';
import { campaignCounterChanges } from './ledger.ts';
import type { RecordOutcomeResult } from './record-outcome.ts';
import { deviceActivityStale } from './session-activity.ts';

/** A SENT answer to record, for a sender without a health rule (`recordOutcome`'s simplest case). */
export interface SentRecord {
  messageId: number;
  senderNumber: string;
  workerId: number;
  /** The turn's lease token, to tell the caller whether it still holds the sender. */
  owner: string;
  wahaMessageId: string | null;
  jitterSeconds: number;
  /** The claim marked the worker busy (a sender-switch delay was in force): its pacing is written. */
  pacesWorker: boolean;
  /**
   * No earlier than the WAHA call's return, by the database's clock: the sender's next send is
   * paced from it (or from the record, if that is sooner). Null: from the record.
   */
  returnedAt?: Date | null;
}

/**
 * `recordOutcome` of many SENT answers (one per sender: each turn has one call at a time) in one
 * statement, with the same writes: the message (also out of UNKNOWN, if a sweep gave it up
 * meanwhile), its campaign's counters and completion, its sender's pacing, its worker's last
 * sender and in-flight marker (when its claim set one), the hand-off's result, and the device's
 * activity. Senders, then
 * workers, are locked in key order, as every statement that locks several of them does.
 */
export async function recordSentMany(
  db: Kysely<Database>,
  records: readonly SentRecord[],
): Promise<RecordOutcomeResult[]> {
  if (records.length === 0) return [];
  const column = <T>(pick: (r: SentRecord) => T) => records.map(pick);
  // Every table is reached through its key, as arrays (`= ANY`): a join the planner could turn
  // into a scan would read the whole table on every batch.
  const senders = column((r) => r.senderNumber);
  const messageIds = column((r) => r.messageId);
  const { rows } = await sql<{
    message_id: number;
    lease_held: boolean | null;
    campaign_id: number | null;
    previous: 'SENDING' | 'UNKNOWN' | null;
  }>`${planOnce}
    WITH input AS (
      SELECT * FROM unnest(${messageIds}::bigint[],
        ${senders}::text[], ${column((r) => r.workerId)}::bigint[],
        ${column((r) => r.owner)}::text[], ${column((r) => r.wahaMessageId)}::text[],
        ${column((r) => r.jitterSeconds)}::float8[], ${column((r) => r.pacesWorker)}::bool[],
        ${column((r) => r.returnedAt ?? null)}::timestamptz[])
        AS i(message_id, sender_number, worker_id, owner, waha_message_id, jitter, paces_worker,
             returned_at)
    ), locked_senders AS (
      SELECT phone_number FROM senders WHERE phone_number = ANY(${senders}::text[])
      ORDER BY phone_number FOR UPDATE
    ), sender AS (
      UPDATE senders s SET last_sent_at = LEAST(now(), i.returned_at), next_send_at = now(),
        jitter_seconds = i.jitter,
        held_reason = NULL, updated_at = now()
      FROM input i
      -- The locks are taken first, all of them (a count reads the whole CTE, once): joined to the
      -- rows instead, the CTE would be read again for every row: n times n reads for a batch of n.
      WHERE s.phone_number = ANY(${senders}::text[]) AND s.phone_number = i.sender_number
        AND (SELECT count(*) FROM locked_senders) > 0
      RETURNING s.phone_number, (s.lease_owner = i.owner AND s.lease_expires_at > now()) AS lease_held
    ), locked_workers AS (
      SELECT id FROM workers WHERE id = ANY(ARRAY(SELECT worker_id FROM input WHERE paces_worker))
      ORDER BY id FOR UPDATE
    ), worker AS (
      UPDATE workers w SET last_sender_number = x.last_sender, last_send_done_at = now(),
        inflight_sender_number = CASE WHEN w.inflight_sender_number = ANY(x.senders)
                                      THEN NULL ELSE w.inflight_sender_number END,
        inflight_until = CASE WHEN w.inflight_sender_number = ANY(x.senders)
                              THEN NULL ELSE w.inflight_until END,
        updated_at = now()
      FROM (SELECT worker_id, (array_agg(sender_number ORDER BY message_id DESC))[1] AS last_sender,
                   array_agg(sender_number) AS senders
            FROM input WHERE paces_worker GROUP BY worker_id) x, locked_workers lw
      WHERE w.id = ANY(ARRAY(SELECT id FROM locked_workers)) AND w.id = x.worker_id AND lw.id = w.id
    ), old AS (
      SELECT m.id, m.status FROM messages m
      WHERE m.id = ANY(${messageIds}::bigint[]) AND m.status IN ('SENDING', 'UNKNOWN')
      ORDER BY m.id FOR UPDATE
    ), msg AS (
      UPDATE messages m SET status = 'SENT', waha_message_id = i.waha_message_id,
        error_code = NULL, error = NULL, sent_at = now(), finished_at = now(), updated_at = now()
      FROM old, input i
      WHERE m.id = ANY(${messageIds}::bigint[]) AND m.id = old.id AND i.message_id = m.id
      RETURNING m.id, m.campaign_id, old.status AS previous
    ), counters AS (
      UPDATE campaigns SET ${campaignCounterChanges('SENDING', 'SENT')}
      WHERE id = ANY(ARRAY(SELECT campaign_id FROM msg WHERE previous = 'SENDING'))
    ), counters_after_unknown AS (
      UPDATE campaigns SET ${campaignCounterChanges('UNKNOWN', 'SENT')}
      WHERE id = ANY(ARRAY(SELECT campaign_id FROM msg WHERE previous = 'UNKNOWN'))
    ), hand_off AS (
      UPDATE sender_sends SET result = 'OK'
      WHERE id = ANY(ARRAY(SELECT (SELECT ss.id FROM sender_sends ss
                                   WHERE ss.message_id = i.message_id
                                     AND ss.sender_number = i.sender_number
                                   ORDER BY ss.id DESC LIMIT 1)
                           FROM input i))
    ), device AS (
      -- A send is activity of the linked device: WhatsApp's 30-day inactivity clock restarts.
      UPDATE sessions SET device_active_at = now(), updated_at = now()
      WHERE phone_number = ANY(${senders}::text[]) AND ${deviceActivityStale}
    )
    SELECT i.message_id, s.lease_held, msg.campaign_id, msg.previous
    FROM input i
    LEFT JOIN sender s ON s.phone_number = i.sender_number
    LEFT JOIN msg ON msg.id = i.message_id
  `.execute(db);
  const byMessage = new Map(rows.map((row) => [Number(row.message_id), row]));
  return records.map((record) => {
    const row = byMessage.get(record.messageId);
    const changed = row?.campaign_id != null && row.previous ? row.previous : null;
    return {
      previous: changed,
      status: changed ? 'SENT' : null,
      leaseHeld: row?.lease_held ?? false,
      healthTrip: null,
      // A send never counts against its worker's circuit breaker.
      workerDegraded: false,
    };
  });
}
