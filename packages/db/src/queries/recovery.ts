import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { senderHasClaimable } from './claimable.ts';
import { markSendingLost } from './ledger.ts';
import { senderDueAt, withDelaySettings } from './pacing.ts';
import { canSend, sessionAndWorker } from './send-readiness.ts';

export interface ExpiredLeases {
  /** Senders whose lapsed lease (or orphaned SENDING message) this sweep cleaned up. */
  senders: string[];
  /** SENDING messages that became UNKNOWN. */
  lostMessages: number;
  /**
   * Of those senders, the ones with claimable PENDING messages that can send: they need a new turn. One
   * that cannot send (paused) gets its turn from `findOverdueSenders` once it can.
   */
  resumable: string[];
}

/**
 * Takes back senders whose dispatcher stopped renewing its lease, and senders left with a SENDING
 * message but no lease at all (a turn that failed between claim and outcome): their SENDING
 * messages become UNKNOWN and their lease is cleared. SKIP LOCKED lets every dispatcher sweep at
 * once without waiting on each other or on live turns.
 */
export async function expireSenderLeases(
  trx: Transaction<Database>,
  options: { limit: number },
): Promise<ExpiredLeases> {
  const locked = await sql<{ phone_number: string }>`
    SELECT s.phone_number FROM senders s
    WHERE s.phone_number IN (
        SELECT phone_number FROM senders
        WHERE lease_owner IS NOT NULL AND lease_expires_at < now()
        UNION
        SELECT DISTINCT sender_number FROM messages WHERE status = 'SENDING'
      )
      AND (s.lease_owner IS NULL OR s.lease_expires_at < now())
    ORDER BY s.phone_number
    LIMIT ${options.limit}
    FOR UPDATE OF s SKIP LOCKED
  `.execute(trx);
  const senders = locked.rows.map((row) => row.phone_number);
  if (senders.length === 0) return { senders, lostMessages: 0, resumable: [] };
  const lostMessages = await markSendingLost(trx, senders);
  await trx
    .updateTable('senders')
    .set({ lease_owner: null, lease_expires_at: null, updated_at: sql<Date>`now()` })
    .where('phone_number', 'in', senders)
    .execute();
  const resumable = await sql<{ phone_number: string }>`
    SELECT s.phone_number FROM senders s ${sessionAndWorker}
    WHERE s.phone_number = ANY(${senders}::text[]) AND ${canSend}
      AND ${senderHasClaimable}
  `.execute(trx);
  return { senders, lostMessages, resumable: resumable.rows.map((row) => row.phone_number) };
}

/**
 * Senders with claimable PENDING messages, nobody holding their lease, able to send, and due (by the same
 * `senderDueAt` the claim waits for) more than `graceSeconds` ago: their turn was lost (or they were
 * paused and their session or worker came back). Enqueueing a turn for each is safe: the queue
 * keeps one per sender.
 */
export async function findOverdueSenders(
  db: Kysely<Database>,
  options: { graceSeconds: number; limit: number },
): Promise<string[]> {
  const rows = await sql<{ phone_number: string }>`
    SELECT s.phone_number
    FROM senders s ${withDelaySettings} ${sessionAndWorker}
    WHERE (s.lease_owner IS NULL OR s.lease_expires_at < now())
      AND ${canSend}
      AND ${senderDueAt} < now() - make_interval(secs => ${options.graceSeconds}::float8)
      AND ${senderHasClaimable}
    ORDER BY ${senderDueAt}
    LIMIT ${options.limit}
  `.execute(db);
  return rows.rows.map((row) => row.phone_number);
}
