import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { campaignClaimable } from './claimable.ts';
import { ceilToMilliseconds } from './pacing.ts';
import { recipientSuppressed, suppressQueuedMessage } from './suppressions.ts';

// Which message of a sender the claim takes next (read under the sender's lock).

/** A claim marks at most this many suppressed messages before it looks again in a new one. */
const SUPPRESSED_PER_CLAIM = 100;

export interface NextMessage {
  id: number;
  campaign_id: number;
  recipient: string;
  body: string;
  media_url: string | null;
  updated_at: Date;
  suppressed: boolean;
}

/**
 * The oldest PENDING message of sender `s`'s oldest campaign that may send (`campaignClaimable`)
 * and has one due: a message waiting out a retry's backoff (`retry_at`) holds back neither the
 * messages after it nor other campaigns.
 */
export const nextMessageOfSender = sql`
  SELECT m.id, m.campaign_id, m.recipient, m.body, m.updated_at, c.media_url,
         ${recipientSuppressed} AS suppressed
  FROM (SELECT c.id, c.media_url FROM campaigns c
        WHERE c.sender_number = s.phone_number AND ${campaignClaimable}) c
  CROSS JOIN LATERAL (SELECT id, campaign_id, sender_number, recipient, body, updated_at
                      FROM messages
                      WHERE campaign_id = c.id AND status = 'PENDING'
                        AND (retry_at IS NULL OR retry_at <= now())
                      ORDER BY id LIMIT 1) m
  ORDER BY c.id LIMIT 1`;

/** When the first of sender `s`'s messages waiting out a retry's backoff is due, if any. */
const nextRetryOfSender = sql<Date>`(SELECT min(m.retry_at) FROM campaigns c
  JOIN messages m ON m.campaign_id = c.id AND m.status = 'PENDING' AND m.retry_at > now()
  WHERE c.sender_number = s.phone_number AND ${campaignClaimable})`;

/**
 * `nextMessageOfSender`, marking SUPPRESSED on the way any whose recipient opted out; 'MORE' when
 * the claim marked its share and should look again.
 */
export async function nextClaimableMessage(trx: Transaction<Database>, senderNumber: string) {
  for (let marked = 0; marked < SUPPRESSED_PER_CLAIM; marked += 1) {
    const next = (
      await sql<NextMessage>`
        SELECT nm.* FROM senders s CROSS JOIN LATERAL (${nextMessageOfSender}) nm
        WHERE s.phone_number = ${senderNumber}
      `.execute(trx)
    ).rows[0];
    if (!next?.suppressed) return next;
    await suppressQueuedMessage(trx, next);
  }
  return 'MORE' as const;
}

/** When the first of the sender's messages waiting out a retry's backoff is due, or null. */
export async function nextRetryAt(
  trx: Transaction<Database>,
  senderNumber: string,
): Promise<Date | null> {
  const row = await sql<{ at: Date | null }>`
    SELECT ${ceilToMilliseconds(nextRetryOfSender)} AS at FROM senders s
    WHERE s.phone_number = ${senderNumber}`.execute(trx);
  return row.rows[0]?.at ?? null;
}
