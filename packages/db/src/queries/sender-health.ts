import { checkHealth, type HealthTrip, loggedOutTrip, type SendResult } from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import { policyInForce, senderPolicyColumns, withSenderPolicies } from './sender-policy.ts';

// Health pauses: stored on the sender (`paused_reason` HEALTH), read by `pauseReason`, lifted only
// by an admin. Messages stay PENDING: nothing is failed because of a pause.

/** Records a hand-off's result and applies the health rule; the trip, if this paused the sender. */
export async function recordSendResult(
  db: Kysely<Database>,
  senderNumber: string,
  messageId: number,
  result: SendResult | 'NONE',
): Promise<HealthTrip | null> {
  await sql`${handOffResultWrite(senderNumber, messageId, result)}`.execute(db);
  if (result === 'NONE') return null;
  return applyHealthRule(db, senderNumber);
}

/**
 * The statement that records a hand-off's result on the message's latest hand-off (a retried
 * message has one row per attempt); 'NONE' (nothing reached WhatsApp: the session or worker
 * refused) removes it, as it was no hand-off at all; null leaves it as it is (UNKNOWN).
 */
export function handOffResultWrite(
  senderNumber: string,
  messageId: number,
  result: SendResult | 'NONE' | null,
) {
  const latest = sql`(SELECT id FROM sender_sends
    WHERE message_id = ${messageId} AND sender_number = ${senderNumber}
    ORDER BY id DESC LIMIT 1)`;
  if (result === 'NONE') return sql`DELETE FROM sender_sends WHERE id = ${latest}`;
  return sql`UPDATE sender_sends SET result = COALESCE(${result}, result) WHERE id = ${latest}
    AND ${result !== null}::boolean`;
}

/**
 * WhatsApp logged the number out (or banned it), which WAHA shows as its session FAILING: under a
 * health rule the sender is paused, so re-pairing alone does not restart its campaigns.
 */
export async function pauseForLogout(
  db: Kysely<Database>,
  senderNumber: string,
  wahaStatus: string | null,
): Promise<HealthTrip | null> {
  const row = await readHealthState(db, senderNumber);
  if (!row || row.paused || !policyInForce(row).health) return null;
  const trip = loggedOutTrip(wahaStatus);
  await pauseSenderForHealth(db, senderNumber, trip);
  return trip;
}

/** Reads the sender's latest results under its health rule and pauses it when the rule trips. */
export async function applyHealthRule(
  db: Kysely<Database>,
  senderNumber: string,
): Promise<HealthTrip | null> {
  const row = await readHealthState(db, senderNumber);
  const rule = row ? policyInForce(row).health : null;
  if (!row || row.paused || !rule) return null;
  const results = await db
    .selectFrom('sender_sends')
    .select('result')
    .where('sender_number', '=', senderNumber)
    .where('result', 'is not', null)
    .where('sent_at', '>', row.health_reset_at ?? new Date(0))
    .orderBy('id', 'desc')
    .limit(rule.window)
    .execute();
  const trip = checkHealth(
    rule,
    results.flatMap((r) => (r.result ? [r.result] : [])),
  );
  if (trip) await pauseSenderForHealth(db, senderNumber, trip);
  return trip;
}

async function readHealthState(db: Kysely<Database>, senderNumber: string) {
  return (
    await sql<{
      global_policy: unknown;
      override_policy: unknown;
      paused: boolean;
      health_reset_at: Date | null;
    }>`
      SELECT ${senderPolicyColumns}, s.paused_reason IS NOT NULL AS paused, s.health_reset_at
      FROM senders s ${withSenderPolicies} WHERE s.phone_number = ${senderNumber}
    `.execute(db)
  ).rows[0];
}

/** Pauses the sender (HEALTH) with what tripped; a sender already paused keeps its first reason. */
export async function pauseSenderForHealth(
  db: Kysely<Database>,
  senderNumber: string,
  trip: HealthTrip,
): Promise<void> {
  await db
    .updateTable('senders')
    .set({
      paused_reason: 'HEALTH',
      paused_details: JSON.stringify(trip),
      paused_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('phone_number', '=', senderNumber)
    .where('paused_reason', 'is', null)
    .execute();
}

/** Lifts a HEALTH pause; false when the sender was not paused (or does not exist). */
export async function resumeSender(db: Kysely<Database>, senderNumber: string): Promise<boolean> {
  const lifted = await db
    .updateTable('senders')
    .set({
      paused_reason: null,
      paused_details: null,
      paused_at: null,
      health_reset_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('phone_number', '=', senderNumber)
    .where('paused_reason', 'is not', null)
    .executeTakeFirst();
  return lifted.numUpdatedRows > 0n;
}

/**
 * WhatsApp refused a message after WAHA accepted it (an ERROR, -1, ack): its hand-off counts as a
 * failure for the health rule. The message itself keeps its status. Null when no message matched.
 */
export async function recordErrorAck(
  db: Kysely<Database>,
  ack: { wahaMessageId: string; senderNumber?: string },
): Promise<HealthTrip | null> {
  let query = db
    .selectFrom('messages')
    .select(['id', 'sender_number'])
    .where('waha_message_id', '=', ack.wahaMessageId);
  if (ack.senderNumber !== undefined) query = query.where('sender_number', '=', ack.senderNumber);
  const message = await query.executeTakeFirst();
  if (!message) return null;
  return recordSendResult(db, message.sender_number, message.id, 'FAILED');
}
