import {
  isRecordOf,
  type RecordedMessage,
  type Resolution,
  UNKNOWN_HOLD_REASON,
  type UnknownMessage,
} from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { cancelIfCampaignCancelled } from './campaign-controls.ts';
import { moveCampaignCounters } from './ledger.ts';

// Settling UNKNOWN messages from WAHA's own record (its chat history, or `message.any`). The rule
// of what WAHA's record means is `resolveFromHistory` / `isRecordOf` in the domain; these are the
// transactions that take messages to look up and apply the answer. Lock order as everywhere:
// senders, then messages, then campaigns.

export interface UnknownLookup extends UnknownMessage {
  id: number;
  senderNumber: string;
  recipient: string;
  /** WAHA was asked this many times before, this lookup included. */
  checks: number;
  /** Where the sender's session lives now; null when it has none on a worker. */
  target: { workerId: number; url: string; apiKey: string; wahaSession: string } | null;
}

/**
 * Takes up to `limit` UNKNOWN messages due for a lookup (ended within `maxAgeSeconds`, not
 * postponed) and postpones them by `leaseSeconds` before the lookup starts: SKIP LOCKED and the
 * postponement keep every dispatcher on its own messages, and a dispatcher that dies mid-lookup
 * only delays the next one.
 */
export async function takeUnknownLookups(
  trx: Transaction<Database>,
  options: { limit: number; maxAgeSeconds: number; leaseSeconds: number },
): Promise<UnknownLookup[]> {
  const rows = await sql<{
    id: number;
    sender_number: string;
    recipient: string;
    body: string;
    sending_at: Date;
    finished_at: Date;
    resolve_checks: number;
  }>`
    SELECT m.id, m.sender_number, m.recipient, m.body, m.sending_at, m.finished_at, m.resolve_checks
    FROM messages m
    WHERE m.status = 'UNKNOWN' AND m.sending_at IS NOT NULL
      AND m.finished_at > now() - make_interval(secs => ${options.maxAgeSeconds}::float8)
      AND (m.resolve_after IS NULL OR m.resolve_after <= now())
    ORDER BY m.finished_at
    LIMIT ${options.limit}
    FOR UPDATE OF m SKIP LOCKED
  `.execute(trx);
  if (rows.rows.length === 0) return [];
  const ids = rows.rows.map((row) => row.id);
  await sql`
    UPDATE messages SET resolve_checks = resolve_checks + 1,
      resolve_after = now() + make_interval(secs => ${options.leaseSeconds}::float8)
    WHERE id = ANY(${ids}::bigint[])
  `.execute(trx);
  const senders = [...new Set(rows.rows.map((row) => row.sender_number))];
  const targets = await sql<{
    phone_number: string;
    worker_id: number;
    url: string;
    api_key: string;
    waha_session: string;
  }>`
    SELECT ses.phone_number, w.id AS worker_id, w.url, w.api_key, ses.waha_session
    FROM sessions ses JOIN workers w ON w.id = ses.worker_id
    WHERE ses.phone_number = ANY(${senders}::text[])
  `.execute(trx);
  const byPhone = new Map(targets.rows.map((t) => [t.phone_number, t]));
  return rows.rows.map((row) => {
    const t = byPhone.get(row.sender_number);
    return {
      id: row.id,
      senderNumber: row.sender_number,
      recipient: row.recipient,
      body: row.body,
      sendingAt: row.sending_at,
      finishedAt: row.finished_at,
      checks: row.resolve_checks + 1,
      target: t
        ? { workerId: t.worker_id, url: t.url, apiKey: t.api_key, wahaSession: t.waha_session }
        : null,
    };
  });
}

/** WAHA ids among `ids` that are already the record of a Herald message. */
export async function wahaIdsInUse(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('messages')
    .select('waha_message_id')
    .where('waha_message_id', 'in', [...ids])
    .execute();
  return new Set(rows.map((row) => row.waha_message_id as string));
}

/**
 * A worker answers again: the UNKNOWN messages of the senders it hosts are looked up at the next
 * pass instead of waiting out their backoff. Returns how many were brought forward.
 */
export async function bringLookupsForward(db: Kysely<Database>, workerId: number): Promise<number> {
  const result = await sql`
    UPDATE messages SET resolve_after = NULL
    WHERE status = 'UNKNOWN' AND resolve_after > now()
      AND sender_number IN (SELECT phone_number FROM sessions WHERE worker_id = ${workerId})
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** WAHA could not answer (or it is too early to say): not asked again before `seconds`. */
export async function postponeLookup(
  db: Kysely<Database>,
  messageId: number,
  seconds: number,
): Promise<void> {
  await sql`
    UPDATE messages SET resolve_after = now() + make_interval(secs => ${seconds}::float8)
    WHERE id = ${messageId} AND status = 'UNKNOWN'
  `.execute(db);
}

export interface AppliedResolution {
  /** False when the message was no longer UNKNOWN (resolved meanwhile by another path). */
  applied: boolean;
  senderNumber: string | null;
}

/**
 * Applies WAHA's answer to one UNKNOWN message, if it still is one: SENT with WAHA's id (so its
 * acks apply), or back to PENDING as a new attempt (cancelled instead if its campaign was; a
 * finished campaign is in progress again). Either way the sender's circuit breaker is lifted.
 * The change-feed event of the change carries `resolved_from_unknown` (trigger).
 */
export async function applyResolution(
  trx: Transaction<Database>,
  messageId: number,
  resolution: Exclude<Resolution, { kind: 'UNSETTLED' }>,
): Promise<AppliedResolution> {
  const owner = (
    await sql<{ phone_number: string }>`
      SELECT s.phone_number FROM senders s
      WHERE s.phone_number = (SELECT sender_number FROM messages WHERE id = ${messageId})
      FOR UPDATE OF s
    `.execute(trx)
  ).rows[0];
  if (!owner) return { applied: false, senderNumber: null };
  const changes =
    resolution.kind === 'SENT'
      ? sql`status = 'SENT', waha_message_id = ${resolution.wahaMessageId}, error_code = NULL,
          error = NULL, sent_at = COALESCE(m.finished_at, now()), resolve_after = NULL`
      : sql`status = 'PENDING', error_code = 'NOT_SENT', sending_at = NULL, finished_at = NULL,
          error = 'WAHA''s record after the call holds no such message: it is sent again',
          resolve_after = NULL`;
  const changed = (
    await sql<{ campaign_id: number }>`
      UPDATE messages m SET ${changes}, updated_at = now()
      WHERE m.id = ${messageId} AND m.status = 'UNKNOWN'
      RETURNING m.campaign_id
    `.execute(trx)
  ).rows[0];
  if (!changed) return { applied: false, senderNumber: owner.phone_number };
  const to = resolution.kind === 'SENT' ? 'SENT' : 'PENDING';
  await moveCampaignCounters(trx, changed.campaign_id, 'UNKNOWN', to);
  if (to === 'PENDING') {
    await sql`
      UPDATE campaigns SET status = 'IN_PROGRESS', completed_at = NULL, updated_at = now()
      WHERE id = ${changed.campaign_id} AND status IN ('COMPLETED', 'COMPLETED_WITH_ERRORS')
    `.execute(trx);
    await cancelIfCampaignCancelled(trx, messageId);
  }
  await liftUnknownHold(trx, owner.phone_number);
  return { applied: true, senderNumber: owner.phone_number };
}

/** The sender's circuit breaker closes: it may send again as its pacing allows. */
async function liftUnknownHold(trx: Transaction<Database>, senderNumber: string): Promise<void> {
  await sql`
    UPDATE senders SET next_send_at = LEAST(next_send_at, now()), held_reason = NULL,
      updated_at = now()
    WHERE phone_number = ${senderNumber} AND held_reason = ${UNKNOWN_HOLD_REASON}
  `.execute(trx);
}

/**
 * A `message.any` from the account: the UNKNOWN message of that sender to that recipient it is
 * the record of (`isRecordOf`), resolved SENT. Returns its id, or null when none matched.
 */
export async function resolveUnknownByEvent(
  trx: Transaction<Database>,
  input: {
    senderNumber: string;
    recipient: string;
    record: RecordedMessage;
    settleSeconds: number;
  },
): Promise<number | null> {
  const candidates = await trx
    .selectFrom('messages')
    .select(['id', 'body', 'sending_at', 'finished_at'])
    .where('sender_number', '=', input.senderNumber)
    .where('recipient', '=', input.recipient)
    .where('status', '=', 'UNKNOWN')
    .where('sending_at', 'is not', null)
    .orderBy('id')
    .execute();
  if ((await wahaIdsInUse(trx, [input.record.id])).size > 0) return null;
  const match = candidates.find((m) =>
    isRecordOf(
      { body: m.body, sendingAt: m.sending_at as Date, finishedAt: m.finished_at ?? new Date() },
      input.record,
      input.settleSeconds,
    ),
  );
  if (!match) return null;
  const applied = await applyResolution(trx, match.id, {
    kind: 'SENT',
    wahaMessageId: input.record.id,
  });
  return applied.applied ? match.id : null;
}
