import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enqueueSenderTurn } from '@herald/db';
import {
  digitsOf,
  makeCampaign,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import { sql } from 'kysely';
import { createHarness, type Harness } from './harness.ts';

const SENDERS = Array.from({ length: 6 }, (_, i) => String(21620006000 + i));
const PER_SENDER = 4;

describe('a dispatcher killed between a batched claim and its sends', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
  });
  after(() => h.close());

  it('leaves exactly the claimed messages UNKNOWN, and none is sent again', async () => {
    const emulator = await h.emulator({ tier: 'PLUS' });
    for (const sender of SENDERS) await h.connectSender(emulator, sender);
    const campaigns = [];
    for (const [i, sender] of SENDERS.entries()) {
      const to = recipients(21672000000 + i * 100, PER_SENDER);
      campaigns.push(await makeCampaign(h.db, { sender, recipients: to, body: 'Hi' }));
    }
    // Every sender's first send is accepted and never answered: the kill lands inside them.
    emulator.setFaults({ failNextSends: { with: 'timeout', count: SENDERS.length } });
    const victim = await h.process('batch-victim');

    // The claims' writes wait on the campaigns the test locks, so while every turn takes its lease
    // and asks for a message, the claims pile up into one batch behind the (at most two) blocked.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = h.db.transaction().execute(async (trx) => {
      await sql`SELECT id FROM campaigns FOR UPDATE`.execute(trx);
      locked();
      await released;
    });
    await lockTaken;
    await h.db.transaction().execute(async (trx) => {
      for (const sender of SENDERS) await enqueueSenderTurn(h.boss, sender, { db: trx });
    });
    await waitFor(
      async () => {
        const held = await h.db
          .selectFrom('senders')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('lease_owner', 'like', 'batch-victim:%')
          .executeTakeFirstOrThrow();
        return Number(held.n) === SENDERS.length;
      },
      { what: 'every sender leased by the victim' },
    );
    release();
    await holding;

    const claimed = await waitFor(
      async () => {
        const rows = await h.db
          .selectFrom('messages')
          .select(['id', 'recipient', 'sending_at'])
          .where('status', '=', 'SENDING')
          .where('claimed_by', 'like', 'batch-victim:%')
          .execute();
        return rows.length === SENDERS.length && emulator.messages().length === SENDERS.length
          ? rows
          : null;
      },
      { what: 'one send in flight per sender' },
    );
    // Claims of one transaction share its `now()`: some were claimed together.
    const together = new Set(claimed.map((r) => r.sending_at?.getTime()));
    assert.ok(together.size < claimed.length, 'at least two senders were claimed in one batch');

    await victim.kill();
    assert.equal(victim.child.signalCode, 'SIGKILL');
    await h.dispatcher();
    for (const campaign of campaigns) await waitForCampaignDone(h.db, campaign.id, 60_000);

    const rows = await h.db.selectFrom('messages').select(['id', 'status', 'error_code']).execute();
    const unknown = rows.filter((r) => r.status === 'UNKNOWN');
    assert.deepEqual(
      unknown.map((r) => r.id).sort((a, b) => a - b),
      claimed.map((r) => r.id).sort((a, b) => a - b),
    );
    for (const row of unknown) assert.equal(row.error_code, 'DISPATCHER_LOST');
    assert.equal(rows.filter((r) => r.status === 'SENT').length, rows.length - unknown.length);
    const received = emulator.messages().map((m) => digitsOf(m.chatId));
    assert.equal(new Set(received).size, received.length, 'nobody received a message twice');
    assert.equal(received.length, rows.length, 'every message reached WAHA once, none again');
  });
});
