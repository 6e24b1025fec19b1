import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { senderHasClaimable } from './claimable.ts';
import { markSendingLost } from './ledger.ts';
import { canSend, sessionAndWorker } from './send-readiness.ts';

// A sender's lease: the one dispatcher turn allowed to claim and send its messages until
// `lease_expires_at`. Times are the database's `now()`, so every dispatcher agrees on expiry.

const NOW = sql<Date>`now()`;

/** `now()` plus the lease length, as an SQL expression. */
export const leaseUntil = (leaseSeconds: number) =>
  sql<Date>`now() + make_interval(secs => ${leaseSeconds}::float8)`;

export interface LeaseInput {
  senderNumber: string;
  /** This turn's token; unique per turn, so two turns of one process never share a lease. */
  owner: string;
  leaseSeconds: number;
}

/**
 * Takes the sender's lease when nobody holds it or its holder's lease lapsed. A lapsed holder may
 * have died mid-call, so its SENDING messages become UNKNOWN in the same transaction.
 */
export async function acquireSenderLease(
  trx: Transaction<Database>,
  input: LeaseInput,
): Promise<{ acquired: boolean; lostMessages: number }> {
  const row = await trx
    .updateTable('senders')
    .set({
      lease_owner: input.owner,
      lease_expires_at: leaseUntil(input.leaseSeconds),
      updated_at: NOW,
    })
    .where('phone_number', '=', input.senderNumber)
    .where((eb) =>
      eb.or([
        eb('lease_owner', 'is', null),
        eb('lease_expires_at', '<', NOW),
        eb('lease_owner', '=', input.owner),
      ]),
    )
    // Most turns start on a sender with nothing in flight: then there is nothing to give up.
    .returning(
      sql<boolean>`EXISTS (SELECT 1 FROM messages
        WHERE sender_number = ${input.senderNumber} AND status = 'SENDING')`.as('in_flight'),
    )
    .executeTakeFirst();
  if (!row) return { acquired: false, lostMessages: 0 };
  if (!row.in_flight) return { acquired: true, lostMessages: 0 };
  return { acquired: true, lostMessages: await markSendingLost(trx, [input.senderNumber]) };
}

/**
 * Extends a lease we hold (and the worker's in-flight marker); false when it is no longer ours.
 * One statement, so it needs no transaction of its own.
 */
export async function renewSenderLease(
  db: Kysely<Database>,
  input: LeaseInput & { workerId?: number },
): Promise<boolean> {
  const renewed = await sql<{ phone_number: string }>`
    WITH sender AS (
      UPDATE senders SET lease_expires_at = ${leaseUntil(input.leaseSeconds)}, updated_at = now()
      WHERE phone_number = ${input.senderNumber} AND lease_owner = ${input.owner}
        AND lease_expires_at > now()
      RETURNING phone_number
    ), worker AS (
      UPDATE workers SET inflight_until = ${leaseUntil(input.leaseSeconds)}
      WHERE id = ${input.workerId ?? null} AND inflight_sender_number = ${input.senderNumber}
        AND EXISTS (SELECT 1 FROM sender)
    )
    SELECT phone_number FROM sender
  `.execute(db);
  return renewed.rows.length > 0;
}

/**
 * Ends a turn: gives the lease back (only if still ours) and says whether the sender has work left
 * (messages of campaigns that may send) and could send it, so the caller can enqueue a continuation in this same transaction. Releasing
 * first matters: a turn enqueued by someone else while we held the lease found it taken and gave
 * up, and their messages were committed before that, so this later read sees them.
 */
export async function releaseSenderLease(
  trx: Transaction<Database>,
  input: Pick<LeaseInput, 'senderNumber' | 'owner'>,
): Promise<{ released: boolean; pending: boolean; sendable: boolean }> {
  const released = await trx
    .updateTable('senders')
    .set({ lease_owner: null, lease_expires_at: null, updated_at: NOW })
    .where('phone_number', '=', input.senderNumber)
    .where('lease_owner', '=', input.owner)
    .returning('phone_number')
    .executeTakeFirst();
  const facts = await sql<{ pending: boolean; sendable: boolean }>`
    SELECT
      ${senderHasClaimable} AS pending,
      ${canSend} AS sendable
    FROM senders s ${sessionAndWorker}
    WHERE s.phone_number = ${input.senderNumber}
  `.execute(trx);
  const row = facts.rows[0];
  return {
    released: released !== undefined,
    pending: row?.pending ?? false,
    sendable: row?.sendable ?? false,
  };
}
