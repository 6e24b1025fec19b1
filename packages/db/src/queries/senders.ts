import type { SessionStatus, WorkerTier } from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';

/**
 * Creates the sender's row if it is new and, either way, holds its row lock until the transaction
 * ends (`DO UPDATE` locks the existing row; `DO NOTHING` would not). A dispatcher claims a sender's
 * next message only after `FOR UPDATE` on this row, so it cannot look for PENDING messages while a
 * campaign for the sender is half-inserted and conclude there is nothing to send.
 */
export async function lockOrCreateSender(trx: Transaction<Database>, phoneNumber: string) {
  await trx
    .insertInto('senders')
    .values({ phone_number: phoneNumber })
    .onConflict((oc) => oc.column('phone_number').doUpdateSet({ updated_at: sql`now()` }))
    .execute();
}

export interface SenderSession {
  status: SessionStatus;
  worker_id: number | null;
  /** Null until the worker's tier has been probed. */
  worker_tier: WorkerTier | null;
}

/** The sender's WhatsApp session and the tier of the worker it lives on, if any. */
export function findSenderSession(
  db: Kysely<Database>,
  phoneNumber: string,
): Promise<SenderSession | undefined> {
  return db
    .selectFrom('sessions')
    .leftJoin('workers', 'workers.id', 'sessions.worker_id')
    .select(['sessions.status', 'sessions.worker_id', 'workers.tier as worker_tier'])
    .where('sessions.phone_number', '=', phoneNumber)
    .executeTakeFirst();
}

export interface SenderDelayOverrides {
  phone_number: string;
  message_delay: number | null;
  sender_switch_delay: number | null;
  updated_at: Date;
}

export function findSenderDelayOverrides(
  db: Kysely<Database>,
  phoneNumber: string,
): Promise<SenderDelayOverrides | undefined> {
  return db
    .selectFrom('senders')
    .select(['phone_number', 'message_delay', 'sender_switch_delay', 'updated_at'])
    .where('phone_number', '=', phoneNumber)
    .executeTakeFirst();
}

/** `undefined` leaves an override as it is; `null` clears it (the global value applies again). */
export interface SenderDelayChanges {
  message_delay?: number | null;
  sender_switch_delay?: number | null;
}

/** Sets per-sender delay overrides, creating the sender row when the number is new. */
export function setSenderDelayOverrides(
  db: Kysely<Database>,
  phoneNumber: string,
  changes: SenderDelayChanges,
): Promise<SenderDelayOverrides> {
  const update: Record<string, unknown> = { updated_at: sql`now()` };
  if (changes.message_delay !== undefined) update.message_delay = changes.message_delay;
  if (changes.sender_switch_delay !== undefined) {
    update.sender_switch_delay = changes.sender_switch_delay;
  }
  return db
    .insertInto('senders')
    .values({
      phone_number: phoneNumber,
      message_delay: changes.message_delay ?? null,
      sender_switch_delay: changes.sender_switch_delay ?? null,
    })
    .onConflict((oc) => oc.column('phone_number').doUpdateSet(update))
    .returning(['phone_number', 'message_delay', 'sender_switch_delay', 'updated_at'])
    .executeTakeFirstOrThrow();
}
