import { type CampaignStatus, type MessageStatus, PERMANENT_FAILURE_CODES } from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Campaign, Database } from '../database.ts';
import { moveCampaignCounters } from './ledger.ts';

// The SQL of pause, resume, cancel, retry and scheduled starts; which transition is allowed is
// decided by `campaignTransition` in domain. Every control first locks the campaign's sender row,
// as the claim, the outcome and the recovery sweep do: so a control waits for a claim under way,
// and every claim after its commit sees the new status. Holding the sender also orders this
// campaign's row before its messages safely: every other writer of both holds the sender first.

export interface LockedCampaign {
  campaign: Campaign;
  /** `send_at` is still ahead by the database clock. */
  scheduledAhead: boolean;
}

/**
 * Locks a campaign for a control: its sender, then the campaign row. Undefined when it does not
 * exist or (with `scope`) belongs to another sender, which the caller reports alike.
 */
export async function lockCampaignForControl(
  trx: Transaction<Database>,
  id: number,
  scope: string | undefined,
): Promise<LockedCampaign | undefined> {
  let owner = trx.selectFrom('campaigns').select('sender_number').where('id', '=', id);
  if (scope !== undefined) owner = owner.where('sender_number', '=', scope);
  const found = await owner.executeTakeFirst();
  if (!found) return undefined;
  await trx
    .selectFrom('senders')
    .select('phone_number')
    .where('phone_number', '=', found.sender_number)
    .forUpdate()
    .execute();
  const row = await trx
    .selectFrom('campaigns')
    .selectAll()
    .select(sql<boolean>`coalesce(send_at > now(), false)`.as('scheduled_ahead'))
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const { scheduled_ahead, ...campaign } = row;
  return { campaign, scheduledAhead: scheduled_ahead };
}

/** Sets a locked campaign's status; one that runs again is no longer complete. */
export async function setCampaignStatus(
  trx: Transaction<Database>,
  id: number,
  status: CampaignStatus,
): Promise<Campaign> {
  const running = status === 'PENDING' || status === 'IN_PROGRESS' || status === 'SCHEDULED';
  return trx
    .updateTable('campaigns')
    .set({
      status,
      ...(running ? { completed_at: null } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Cancels every PENDING message of a locked campaign; a SENDING one finishes as WAHA answers. */
export async function cancelPendingMessages(
  trx: Transaction<Database>,
  campaignId: number,
): Promise<number> {
  const cancelled = await trx
    .updateTable('messages')
    .set({ status: 'CANCELLED', finished_at: sql`now()`, updated_at: sql`now()` })
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'PENDING')
    .executeTakeFirst();
  const count = Number(cancelled.numUpdatedRows);
  await moveCampaignCounters(trx, campaignId, 'PENDING', 'CANCELLED', count);
  return count;
}

/**
 * A message that went back to PENDING after its campaign was cancelled (its WAHA call, under way
 * at the cancel, asked for a retry) is cancelled too. The caller holds the sender.
 */
export async function cancelIfCampaignCancelled(
  trx: Transaction<Database>,
  messageId: number,
): Promise<void> {
  const row = await sql<{ campaign_id: number }>`
    UPDATE messages m SET status = 'CANCELLED', finished_at = now(), updated_at = now()
    FROM campaigns c
    WHERE m.id = ${messageId} AND m.status = 'PENDING'
      AND c.id = m.campaign_id AND c.status = 'CANCELLED'
    RETURNING m.campaign_id
  `.execute(trx);
  const cancelled = row.rows[0];
  if (cancelled) await moveCampaignCounters(trx, cancelled.campaign_id, 'PENDING', 'CANCELLED');
}

export interface RequeuedMessages {
  /** Re-queued messages per failure code (UNKNOWN ones under their own code). */
  requeued: Record<string, number>;
  /** FAILED (and, without `includeUnknown`, UNKNOWN) messages left as they are, per code. */
  skipped: Record<string, number>;
  total: number;
  /** Of those, UNKNOWN ones: WAHA may have sent them already. */
  unknown: number;
}

/**
 * Puts a locked campaign's retryable FAILED messages (and with `includeUnknown` its UNKNOWN ones)
 * back to PENDING as new attempts: `attempts` keeps counting, and MAX_ATTEMPTS counts again from
 * `attempts_before_retry`. The last error stays on the row until the next outcome replaces it.
 */
export async function requeueFailedMessages(
  trx: Transaction<Database>,
  campaignId: number,
  options: { includeUnknown: boolean },
): Promise<RequeuedMessages> {
  const permanent = [...PERMANENT_FAILURE_CODES];
  const requeuable = sql<boolean>`((m.status = 'FAILED'
      AND (m.error_code IS NULL OR m.error_code <> ALL(${permanent}::text[])))
    OR (m.status = 'UNKNOWN' AND ${options.includeUnknown}::boolean))`;
  const rows = await sql<{ status: MessageStatus; code: string | null; requeued: boolean }>`
    WITH old AS (
      SELECT m.id, m.status, m.error_code, ${requeuable} AS requeuable
      FROM messages m
      WHERE m.campaign_id = ${campaignId} AND m.status IN ('FAILED', 'UNKNOWN')
      FOR UPDATE
    ), requeued AS (
      UPDATE messages m SET status = 'PENDING', attempts_before_retry = m.attempts,
        sending_at = NULL, finished_at = NULL, updated_at = now()
      FROM old WHERE m.id = old.id AND old.requeuable
      RETURNING m.id
    )
    SELECT old.status, old.error_code AS code, old.requeuable AS requeued FROM old
  `.execute(trx);
  const result: RequeuedMessages = { requeued: {}, skipped: {}, total: 0, unknown: 0 };
  const moved: Partial<Record<MessageStatus, number>> = {};
  for (const row of rows.rows) {
    const code = row.code ?? row.status;
    const bucket = row.requeued ? result.requeued : result.skipped;
    bucket[code] = (bucket[code] ?? 0) + 1;
    if (row.requeued) {
      moved[row.status] = (moved[row.status] ?? 0) + 1;
      result.total += 1;
      if (row.status === 'UNKNOWN') result.unknown += 1;
    }
  }
  for (const [from, count] of Object.entries(moved) as [MessageStatus, number][]) {
    await moveCampaignCounters(trx, campaignId, from, 'PENDING', count);
  }
  return result;
}

/** Whether any SCHEDULED campaign is due: one indexed read, so idle polling costs no transaction. */
export async function hasDueCampaigns(db: Kysely<Database>): Promise<boolean> {
  const due = await sql<{ due: boolean }>`
    SELECT EXISTS (SELECT 1 FROM campaigns
                   WHERE status = 'SCHEDULED' AND send_at <= now()) AS due
  `.execute(db);
  return due.rows[0]?.due ?? false;
}

/**
 * Starts SCHEDULED campaigns whose `send_at` has come (they become PENDING) and returns their
 * senders, for the caller to queue their turns in this transaction. A campaign a control holds
 * right now is skipped, and taken at the next pass.
 */
export async function startDueCampaigns(
  trx: Transaction<Database>,
  options: { limit: number },
): Promise<string[]> {
  const started = await sql<{ sender_number: string }>`
    UPDATE campaigns SET status = 'PENDING', updated_at = now()
    WHERE id IN (SELECT id FROM campaigns
                 WHERE status = 'SCHEDULED' AND send_at <= now()
                 ORDER BY send_at LIMIT ${options.limit}
                 FOR UPDATE SKIP LOCKED)
    RETURNING sender_number
  `.execute(trx);
  return [...new Set(started.rows.map((row) => row.sender_number))].sort();
}
