import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  campaignMessages,
  countersAndRows,
  digitsOf,
  enqueueTurn,
  makeCampaign,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import { createHarness, type Harness } from './harness.ts';

describe('the ledger', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
  });
  after(() => h.close());

  it('delivers a 20-recipient campaign once per recipient and completes it', async () => {
    const emulator = await h.emulator({ tier: 'CORE' });
    const sender = '21620000001';
    await h.connectSender(emulator, sender);
    const to = recipients(21650000000, 20);
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: to,
      body: (recipient) => `Hello ${recipient}, your code is ${recipient.slice(-4)}`,
    });
    await h.dispatcher();
    await enqueueTurn(h.boss, sender);

    const done = await waitForCampaignDone(h.db, campaign.id);
    assert.equal(done.status, 'COMPLETED');
    assert.ok(done.started_at && done.completed_at);
    assert.ok(done.started_at <= done.completed_at);
    assert.equal(done.sent_messages, 20);
    const { counters, rows } = await countersAndRows(h.db, done);
    assert.deepEqual(counters, rows);

    const received = emulator.messages();
    assert.equal(received.length, 20);
    const byRecipient = new Map(received.map((m) => [digitsOf(m.chatId), m]));
    assert.equal(byRecipient.size, 20, 'each recipient received exactly one message');
    for (const row of await campaignMessages(h.db, campaign.id)) {
      const got = byRecipient.get(row.recipient);
      assert.ok(got, `${row.recipient} received its message`);
      assert.equal(got.text, `Hello ${row.recipient}, your code is ${row.recipient.slice(-4)}`);
      assert.equal(row.status, 'SENT');
      assert.equal(row.waha_message_id, got.id);
      assert.equal(row.attempts, 1);
      assert.ok(row.sent_at && row.sending_at && row.sending_at <= row.sent_at);
    }
    const state = await h.db
      .selectFrom('senders')
      .select(['lease_owner', 'last_sent_at'])
      .where('phone_number', '=', sender)
      .executeTakeFirstOrThrow();
    await waitFor(
      async () => {
        const s = await h.db
          .selectFrom('senders')
          .select('lease_owner')
          .where('phone_number', '=', sender)
          .executeTakeFirstOrThrow();
        return s.lease_owner === null;
      },
      { what: 'the turn to release its lease' },
    );
    assert.ok(state.last_sent_at);
  });
});
