import type { SessionStatus, WorkerTier } from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { delaysInForce } from './pacing.ts';
import { type PauseReason, pauseReason, sessionAndWorker } from './send-readiness.ts';

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

/**
 * Removes a sender nothing refers to yet: the number of a first session creation that failed
 * (no worker had room) must not linger as a user. One with settings of its own, a session or a
 * campaign is kept, and so is one another table refers to (the foreign key refuses).
 */
export async function forgetUnusedSender(
  db: Kysely<Database>,
  phoneNumber: string,
): Promise<boolean> {
  try {
    const result = await sql`
      DELETE FROM senders s
      WHERE s.phone_number = ${phoneNumber}
        AND s.message_delay IS NULL AND s.sender_switch_delay IS NULL
        AND NOT EXISTS (SELECT 1 FROM sessions WHERE phone_number = s.phone_number)
        AND NOT EXISTS (SELECT 1 FROM campaigns WHERE sender_number = s.phone_number)`.execute(db);
    return Number(result.numAffectedRows ?? 0) > 0;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === '23503') return false;
    throw error;
  }
}

export interface SenderReadiness {
  /** Why it cannot send now (see `pauseReason`); null when it can. */
  pause_reason: PauseReason | null;
  session_status: SessionStatus | null;
  /** Null until the worker's tier has been probed (or without a worker). */
  worker_tier: WorkerTier | null;
}

/** Whether the sender can send now, and the tier of the worker its session lives on. */
export async function findSenderReadiness(
  db: Kysely<Database>,
  phoneNumber: string,
): Promise<SenderReadiness> {
  const { rows } = await sql<SenderReadiness>`
    SELECT ${pauseReason} AS pause_reason, ses.status AS session_status, w.tier AS worker_tier
    FROM (SELECT n.phone_number, known.paused_reason
          FROM (SELECT ${phoneNumber}::text AS phone_number) n
          LEFT JOIN senders known ON known.phone_number = n.phone_number) s
    ${sessionAndWorker}`.execute(db);
  return rows[0] ?? { pause_reason: 'NO_SESSION', session_status: null, worker_tier: null };
}

export interface SenderDelays {
  phone_number: string;
  /** Whether Herald has a row for this sender (a session, a campaign or overrides). */
  known: boolean;
  /** What applies to it (`delaysInForce`): its override, else the global value. */
  in_force: { message_delay: number; sender_switch_delay: number };
  overrides: { message_delay: number | null; sender_switch_delay: number | null };
  updated_at: Date | null;
}

/**
 * A sender's delays: its overrides and what the dispatcher applies to it. An unknown sender has
 * no overrides, so it gets the global values: still what the dispatcher would use for it.
 */
export async function findSenderDelays(
  db: Kysely<Database>,
  phoneNumber: string,
): Promise<SenderDelays> {
  const { rows } = await sql<{
    known: boolean;
    message_delay: number;
    sender_switch_delay: number;
    message_override: number | null;
    switch_override: number | null;
    updated_at: Date | null;
  }>`
    SELECT s.phone_number IS NOT NULL AS known,
           ${delaysInForce.message} AS message_delay,
           ${delaysInForce.senderSwitch} AS sender_switch_delay,
           s.message_delay AS message_override, s.sender_switch_delay AS switch_override,
           s.updated_at
    FROM delay_settings d LEFT JOIN senders s ON s.phone_number = ${phoneNumber}
    WHERE d.id = 1`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('the delay settings row is missing');
  return {
    phone_number: phoneNumber,
    known: row.known,
    in_force: { message_delay: row.message_delay, sender_switch_delay: row.sender_switch_delay },
    overrides: { message_delay: row.message_override, sender_switch_delay: row.switch_override },
    updated_at: row.updated_at,
  };
}

/** `undefined` leaves an override as it is; `null` clears it (the global value applies again). */
export interface SenderDelayChanges {
  message_delay?: number | null;
  sender_switch_delay?: number | null;
}

/** Sets per-sender delay overrides, creating the sender row when the number is new. */
export async function setSenderDelayOverrides(
  db: Kysely<Database>,
  phoneNumber: string,
  changes: SenderDelayChanges,
): Promise<void> {
  const update: Record<string, unknown> = { updated_at: sql`now()` };
  if (changes.message_delay !== undefined) update.message_delay = changes.message_delay;
  if (changes.sender_switch_delay !== undefined) {
    update.sender_switch_delay = changes.sender_switch_delay;
  }
  await db
    .insertInto('senders')
    .values({
      phone_number: phoneNumber,
      message_delay: changes.message_delay ?? null,
      sender_switch_delay: changes.sender_switch_delay ?? null,
    })
    .onConflict((oc) => oc.column('phone_number').doUpdateSet(update))
    .execute();
}
