import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { senderHasClaimable } from './claimable.ts';
import { markSendingLost } from './ledger.ts';
import { canSend, sessionAndWorker } from './send-readiness.ts';

// A sender's lease: the one dispatcher turn allowed to claim and send its messages until
// `lease_expires_at`. Times are the database's `now()`, so every dispatcher agrees on expiry.

/** `now()` plus the lease length, as an SQL expression. */
export const leaseUntil = (leaseSeconds: number) =>
  sql<Date>`now() + make_interval(secs => ${leaseSeconds}::float8)`;

export interface LeaseInput {
  senderNumber: string;
  /** This turn's token; unique per turn, so two turns of one process never share a lease. */
  owner: string;
  leaseSeconds: number;
}

/** Whether a turn took its sender's lease, and how many messages it found lost in flight. */
export interface LeaseTake {
  acquired: boolean;
  lostMessages: number;
}

/**
 * Takes senders' leases, each where nobody holds it or its holder's lease lapsed; answered in the
 * order of `inputs` (of two turns asking for one sender, one takes it). One statement for any
 * number of turns, the senders locked in phone order first, as every multi-sender lock is. A
 * lapsed holder may have died mid-call, so its SENDING messages become UNKNOWN in the same
 * transaction.
 */
export async function acquireSenderLeases(
  trx: Transaction<Database>,
  inputs: readonly LeaseInput[],
): Promise<LeaseTake[]> {
  if (inputs.length === 0) return [];
  const senders = inputs.map((input) => input.senderNumber);
  // Every lease of a batch is as long (one dispatcher's setting).
  const until = leaseUntil(Math.max(...inputs.map((input) => input.leaseSeconds)));
  const { rows } = await sql<{ phone_number: string; owner: string; in_flight: boolean }>`
    WITH locked AS (
      SELECT phone_number FROM senders WHERE phone_number = ANY(${senders}::text[])
      ORDER BY phone_number FOR UPDATE
    )
    UPDATE senders s SET lease_owner = i.owner, lease_expires_at = ${until}, updated_at = now()
    FROM unnest(${senders}::text[], ${inputs.map((input) => input.owner)}::text[]) AS i(sender, owner)
    WHERE s.phone_number = ANY(${senders}::text[]) AND s.phone_number = i.sender
      -- All the locks first (a count reads the whole CTE, once).
      AND (SELECT count(*) FROM locked) > 0
      AND (s.lease_owner IS NULL OR s.lease_expires_at < now() OR s.lease_owner = i.owner)
    -- Most turns start on a sender with nothing in flight: then there is nothing to give up.
    RETURNING s.phone_number, i.owner, EXISTS (SELECT 1 FROM messages
      WHERE sender_number = s.phone_number AND status = 'SENDING') AS in_flight
  `.execute(trx);
  const taken = new Map<string, number>();
  for (const row of rows) {
    const lost = row.in_flight ? await markSendingLost(trx, [row.phone_number]) : 0;
    taken.set(`${row.phone_number} ${row.owner}`, lost);
  }
  return inputs.map((input) => {
    const lost = taken.get(`${input.senderNumber} ${input.owner}`);
    return { acquired: lost !== undefined, lostMessages: lost ?? 0 };
  });
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
