import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Database, SuppressionsTable } from '../database.ts';
import { moveCampaignCounters } from './ledger.ts';

// Recipients who opted out. A suppression names one sender, or every sender (sender_number NULL).

/** For `messages m`: its recipient opted out of its sender (or of every sender). */
export const recipientSuppressed = sql<boolean>`EXISTS (
  SELECT 1 FROM suppressions sp
  WHERE sp.recipient = m.recipient
    AND (sp.sender_number = m.sender_number OR sp.sender_number IS NULL))`;

/**
 * A queued message whose recipient opted out after it was queued: SUPPRESSED (terminal), with its
 * campaign's counters. The caller holds the sender row.
 */
export async function suppressQueuedMessage(
  trx: Transaction<Database>,
  message: { id: number; campaign_id: number },
): Promise<void> {
  const changed = await trx
    .updateTable('messages')
    .set({
      status: 'SUPPRESSED',
      error_code: 'RECIPIENT_OPTED_OUT',
      error: 'the recipient opted out before this message was sent',
      finished_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('id', '=', message.id)
    .where('status', '=', 'PENDING')
    .executeTakeFirst();
  if (changed.numUpdatedRows > 0n) {
    await moveCampaignCounters(trx, message.campaign_id, 'PENDING', 'SUPPRESSED');
  }
}

export interface SuppressionInput {
  /** null: every sender. */
  senderNumber: string | null;
  recipient: string;
  source: 'OPT_OUT' | 'ADMIN';
  keyword?: string | null;
}

export type Suppression = Selectable<SuppressionsTable>;

/** Adds a suppression; the existing one when the recipient was already suppressed in that scope. */
export async function addSuppression(
  db: Kysely<Database>,
  input: SuppressionInput,
): Promise<{ suppression: Suppression; created: boolean }> {
  const inserted = await sql<Suppression>`
    INSERT INTO suppressions (sender_number, recipient, source, keyword)
    VALUES (${input.senderNumber}, ${input.recipient}, ${input.source}, ${input.keyword ?? null})
    ON CONFLICT ((COALESCE(sender_number, '')), recipient) DO NOTHING
    RETURNING *
  `.execute(db);
  const created = inserted.rows[0];
  if (created) return { suppression: created, created: true };
  const existing = await db
    .selectFrom('suppressions')
    .selectAll()
    .where('recipient', '=', input.recipient)
    .where(sql<boolean>`COALESCE(sender_number, '') = ${input.senderNumber ?? ''}`)
    .executeTakeFirstOrThrow();
  return { suppression: existing, created: false };
}

/** Removes one suppression (of that sender, or the global one); false when there was none. */
export async function deleteSuppression(
  db: Kysely<Database>,
  input: { senderNumber: string | null; recipient: string },
): Promise<boolean> {
  const deleted = await db
    .deleteFrom('suppressions')
    .where('recipient', '=', input.recipient)
    .where(sql<boolean>`COALESCE(sender_number, '') = ${input.senderNumber ?? ''}`)
    .executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

export interface SuppressionFilter {
  /** A sender's own suppressions plus the global ones; all of them when undefined. */
  senderNumber?: string;
  limit: number;
  offset: number;
}

export async function listSuppressions(
  db: Kysely<Database>,
  filter: SuppressionFilter,
): Promise<{ total: number; items: Suppression[] }> {
  let base = db.selectFrom('suppressions');
  if (filter.senderNumber !== undefined) {
    const sender = filter.senderNumber;
    base = base.where((eb) =>
      eb.or([eb('sender_number', '=', sender), eb('sender_number', 'is', null)]),
    );
  }
  const [items, total] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(),
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { total: Number(total.n), items };
}

/** Which of these recipients the sender must not write to. */
export async function findSuppressedRecipients(
  db: Kysely<Database>,
  senderNumber: string,
  recipients: readonly string[],
): Promise<Set<string>> {
  if (recipients.length === 0) return new Set();
  const rows = await sql<{ recipient: string }>`
    SELECT DISTINCT recipient FROM suppressions
    WHERE recipient = ANY(${[...recipients]}::text[])
      AND (sender_number = ${senderNumber} OR sender_number IS NULL)
  `.execute(db);
  return new Set(rows.rows.map((row) => row.recipient));
}
