import assert from 'node:assert/strict';
import type { DispatchOutcome } from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../src/database.ts';
import type { ClaimResult } from '../src/queries/claim-result.ts';
import { claimNextMessage } from '../src/queries/dispatch.ts';
import { acquireSenderLeases, type LeaseInput } from '../src/queries/leases.ts';
import { type RecordOutcomeResult, recordOutcome } from '../src/queries/record-outcome.ts';
import { makeCampaign, makeConnectedSender } from '../src/testing/index.ts';

let owners = 0;
let senders = 0;

/** A new sender number for this test process. */
export const nextSender = () => String(21620900000 + ++senders);

/** A connected sender, on its own worker, with a campaign of `recipients` messages. */
export async function senderWithCampaign(db: Kysely<Database>, recipients = 1) {
  const phone = nextSender();
  const { worker } = await makeConnectedSender(db, phone);
  const to = Array.from({ length: recipients }, (_, i) =>
    `${phone.slice(-6)}${i}`.padStart(11, '2'),
  );
  const campaign = await makeCampaign(db, { sender: phone, recipients: to, body: 'Hi' });
  return { phone, worker, campaign };
}

/** Takes the sender's lease as a turn would and returns it. */
export async function takeLease(
  db: Kysely<Database>,
  senderNumber: string,
  leaseSeconds = 30,
): Promise<LeaseInput> {
  const lease = { senderNumber, owner: `turn-${++owners}`, leaseSeconds };
  const { acquired } = await db
    .transaction()
    .execute((trx) => acquireSenderLeases(trx, [lease]))
    .then(([taken]) => taken ?? assert.fail('no answer for the lease'));
  if (!acquired) throw new Error(`the lease of ${senderNumber} is held`);
  return lease;
}

export function claim(db: Kysely<Database>, lease: LeaseInput): Promise<ClaimResult> {
  return db.transaction().execute((trx) => claimNextMessage(trx, lease));
}

/** Claims and insists on a message. */
export async function claimMessage(db: Kysely<Database>, lease: LeaseInput) {
  const result = await claim(db, lease);
  if (result.kind !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(result)}`);
  return result;
}

export function record(
  db: Kysely<Database>,
  lease: LeaseInput,
  claimed: Extract<ClaimResult, { kind: 'claimed' }>,
  outcome: DispatchOutcome,
): Promise<RecordOutcomeResult> {
  return db.transaction().execute((trx) =>
    recordOutcome(trx, {
      messageId: claimed.message.id,
      senderNumber: lease.senderNumber,
      workerId: claimed.target.workerId,
      owner: lease.owner,
      outcome,
    }),
  );
}

/** Moves a sender's clocks: its last call ended `secondsAgo` ago (the floor with it, unless given). */
export async function lastSentSecondsAgo(
  db: Kysely<Database>,
  senderNumber: string,
  secondsAgo: number,
  floorSecondsAgo = secondsAgo,
): Promise<void> {
  await sql`
    UPDATE senders SET
      last_sent_at = now() - make_interval(secs => ${secondsAgo}::float8),
      next_send_at = now() - make_interval(secs => ${floorSecondsAgo}::float8)
    WHERE phone_number = ${senderNumber}`.execute(db);
}

/** Makes the sender's lease lapse as if its dispatcher had died. */
export async function lapseLease(db: Kysely<Database>, senderNumber: string): Promise<void> {
  await sql`UPDATE senders SET lease_expires_at = now() - interval '1 second'
            WHERE phone_number = ${senderNumber}`.execute(db);
}

export function campaignRow(db: Kysely<Database>, id: number) {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export function messageRow(db: Kysely<Database>, id: number) {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export function senderRow(db: Kysely<Database>, phone: string) {
  return db
    .selectFrom('senders')
    .selectAll()
    .where('phone_number', '=', phone)
    .executeTakeFirstOrThrow();
}

export function workerRow(db: Kysely<Database>, id: number) {
  return db.selectFrom('workers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** The campaign's counters, by status. */
export async function counters(db: Kysely<Database>, id: number) {
  const c = await campaignRow(db, id);
  return {
    pending: c.pending_messages,
    sending: c.sending_messages,
    sent: c.sent_messages,
    failed: c.failed_messages,
    unknown: c.unknown_messages,
  };
}
