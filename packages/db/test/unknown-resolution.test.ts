import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  applyResolution,
  bringLookupsForward,
  postponeLookup,
  takeUnknownLookups,
} from '../src/queries/unknown-resolution.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { senderWithCampaign } from './support.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.drop());

/** A campaign of `n` messages, all UNKNOWN (their call ended a moment ago). */
async function unknownCampaign(n: number) {
  const { phone, campaign } = await senderWithCampaign(t.db, n);
  await sql`
    UPDATE messages SET status = 'UNKNOWN', sending_at = now() - interval '5 seconds',
      finished_at = now(), attempts = 1
    WHERE campaign_id = ${campaign.id}`.execute(t.db);
  await sql`
    UPDATE campaigns SET pending_messages = 0, unknown_messages = ${n},
      status = 'COMPLETED_WITH_ERRORS' WHERE id = ${campaign.id}`.execute(t.db);
  await sql`
    UPDATE senders SET held_reason = 'UNKNOWN_OUTCOME', next_send_at = now() + interval '1 hour'
    WHERE phone_number = ${phone}`.execute(t.db);
  return { phone, campaign };
}

const take = (limit: number) =>
  t.db
    .transaction()
    .execute((trx) => takeUnknownLookups(trx, { limit, maxAgeSeconds: 3600, leaseSeconds: 60 }));

describe('UNKNOWN lookups', () => {
  it('are shared out: concurrent takers get disjoint messages, and none twice', async () => {
    await sql`UPDATE messages SET resolve_after = 'infinity' WHERE status = 'UNKNOWN'`.execute(
      t.db,
    );
    const { campaign } = await unknownCampaign(6);
    const [a, b, c] = await Promise.all([take(3), take(3), take(3)]);
    const ids = [...(a ?? []), ...(b ?? []), ...(c ?? [])].map((l) => l.id);
    assert.equal(ids.length, 6);
    assert.equal(new Set(ids).size, 6);
    assert.deepEqual(await take(10), [], 'taken ones wait out their lookup lease');
    const first = (a ?? [])[0];
    assert.ok(first);
    assert.equal(first.checks, 1);
    assert.ok(first.target, 'the sender’s session is where WAHA is asked');
    await postponeLookup(t.db, first.id, 0);
    assert.deepEqual(
      (await take(10)).map((l) => l.id),
      [first.id],
    );
    assert.ok(campaign.id > 0);
  });

  it('are brought forward when their sender’s worker answers again', async () => {
    await sql`UPDATE messages SET resolve_after = 'infinity' WHERE status = 'UNKNOWN'`.execute(
      t.db,
    );
    const { campaign } = await unknownCampaign(2);
    const taken = await take(10);
    assert.equal(taken.length, 2);
    const workerId = taken[0]?.target?.workerId;
    assert.ok(workerId);
    await postponeLookup(t.db, taken[0]?.id ?? 0, 600);
    assert.deepEqual(await take(10), [], 'both wait: one its backoff, one its lease');
    assert.equal(await bringLookupsForward(t.db, workerId + 1_000_000), 0, 'another worker');
    assert.equal(await bringLookupsForward(t.db, workerId), 2);
    assert.deepEqual((await take(10)).map((l) => l.id).sort(), [...campaign.messageIds].sort());
  });

  it('apply once: SENT with WAHA’s id, or PENDING again with the campaign reopened', async () => {
    const { phone, campaign } = await unknownCampaign(2);
    const [sentId, resentId] = campaign.messageIds as [number, number];
    const sent = await t.db
      .transaction()
      .execute((trx) => applyResolution(trx, sentId, { kind: 'SENT', wahaMessageId: 'true_x_A' }));
    assert.deepEqual(sent, { applied: true, senderNumber: phone });
    const again = await t.db
      .transaction()
      .execute((trx) => applyResolution(trx, sentId, { kind: 'NOT_SENT' }));
    assert.equal(again.applied, false, 'no longer UNKNOWN');
    await t.db.transaction().execute((trx) => applyResolution(trx, resentId, { kind: 'NOT_SENT' }));
    const rows = await t.db
      .selectFrom('messages')
      .select(['id', 'status', 'waha_message_id', 'error_code'])
      .where('campaign_id', '=', campaign.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.status, r.waha_message_id, r.error_code]),
      [
        ['SENT', 'true_x_A', null],
        ['PENDING', null, 'NOT_SENT'],
      ],
    );
    const c = await t.db
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', campaign.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [c.status, c.sent_messages, c.pending_messages, c.unknown_messages],
      ['IN_PROGRESS', 1, 1, 0],
    );
    const sender = await t.db
      .selectFrom('senders')
      .select(['held_reason'])
      .where('phone_number', '=', phone)
      .executeTakeFirstOrThrow();
    assert.equal(sender.held_reason, null, 'the circuit breaker is lifted');
    const notes = await t.db
      .selectFrom('campaign_events')
      .select(['status', 'note'])
      .where('campaign_id', '=', campaign.id)
      .where('note', 'is not', null)
      .orderBy('seq')
      .execute();
    assert.deepEqual(notes, [
      { status: 'SENT', note: 'resolved_from_unknown' },
      { status: 'PENDING', note: 'resolved_from_unknown' },
    ]);
  });
});
