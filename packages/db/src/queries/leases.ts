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

/** Whether a turn's end gave its lease back, and whether its sender has work it could send. */
export interface LeaseRelease {
  released: boolean;
  pending: boolean;
  sendable: boolean;
}

/**
 * Ends turns: gives their leases back (each only if still its own) and says whether each sender
 * has work left (messages of campaigns that may send) and could send it, so the caller can enqueue
 * continuations in this same transaction. Two statements for any number of turns, answered in
 * their order. Releasing first matters: a turn enqueued by someone else while we held the lease
 * found it taken and gave up, and their messages were committed before that, so the later read
 * (a statement of its own, with a snapshot taken after the release) sees them.
 */
export async function releaseSenderLeases(
  trx: Transaction<Database>,
  inputs: readonly Pick<LeaseInput, 'senderNumber' | 'owner'>[],
): Promise<LeaseRelease[]> {
  if (inputs.length === 0) return [];
  const senders = inputs.map((input) => input.senderNumber);
  const released = await sql<{ phone_number: string; owner: string }>`
    UPDATE senders s SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
    FROM unnest(${senders}::text[], ${inputs.map((input) => input.owner)}::text[]) AS i(sender, owner)
    WHERE s.phone_number = ANY(${senders}::text[]) AND s.phone_number = i.sender
      AND s.lease_owner = i.owner
    RETURNING s.phone_number, i.owner
  `.execute(trx);
  const facts = await sql<{ phone_number: string; pending: boolean; sendable: boolean }>`
    SELECT s.phone_number, ${senderHasClaimable} AS pending, ${canSend} AS sendable
    FROM senders s ${sessionAndWorker}
    WHERE s.phone_number = ANY(${senders}::text[])
  `.execute(trx);
  const gaveBack = new Set(released.rows.map((row) => `${row.phone_number} ${row.owner}`));
  const bySender = new Map(facts.rows.map((row) => [row.phone_number, row]));
  return inputs.map((input) => ({
    released: gaveBack.has(`${input.senderNumber} ${input.owner}`),
    pending: bySender.get(input.senderNumber)?.pending ?? false,
    sendable: bySender.get(input.senderNumber)?.sendable ?? false,
  }));
}
