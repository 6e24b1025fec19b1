import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findCampaign } from '@herald/db';
import {
  campaignMessages,
  digitsOf,
  enqueueTurn,
  makeCampaign,
  queuedTurns,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import { createHarness, type Harness } from './harness.ts';

const TURN_AND_LEASE_MS = 60_000;

describe('graceful shutdown', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
  });
  after(() => h.close());

  it('on SIGTERM finishes the send in flight, hands the sender back and exits 0', async () => {
    const emulator = await h.emulator({ tier: 'CORE' });
    const sender = '21620000401';
    await h.connectSender(emulator, sender);
    emulator.setFaults({ latencyMs: 40 });
    const total = 60;
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: recipients(21680000000, total),
      body: 'Before and after',
    });
    // A lease far longer than the test: only a real hand-back lets another dispatcher carry on.
    const env = {
      LEASE_SECONDS: String(TURN_AND_LEASE_MS / 1000),
      SEND_TIMEOUT_MS: '5000',
      TURN_SECONDS: String(TURN_AND_LEASE_MS / 1000),
    };
    const first = await h.process('graceful-1', env);
    await enqueueTurn(h.boss, sender);
    await waitFor(() => emulator.messages().length >= 5, { what: 'some sends' });

    const stopping = Date.now();
    const code = await first.stop();
    assert.equal(code, 0, first.output());
    assert.match(first.output(), /dispatcher stopped/);
    // The turn ended on the signal rather than running out its 60 s (nor its 60 s lease): the
    // bound is what a stop that waited would take, not a guess at how fast this machine is.
    const stopMs = Date.now() - stopping;
    assert.ok(stopMs < TURN_AND_LEASE_MS, `it did not wait out the turn (${stopMs} ms)`);

    const rows = await campaignMessages(h.db, campaign.id);
    assert.deepEqual(
      rows.filter((r) => r.status === 'SENDING' || r.status === 'UNKNOWN'),
      [],
    );
    const sent = rows.filter((r) => r.status === 'SENT').length;
    assert.equal(sent, emulator.messages().length, 'the send in flight was recorded');
    assert.ok(sent < total, 'it stopped mid-campaign');
    const senderRow = await h.db
      .selectFrom('senders')
      .select('lease_owner')
      .where('phone_number', '=', sender)
      .executeTakeFirstOrThrow();
    assert.equal(senderRow.lease_owner, null, 'the lease was released');
    const queued = await queuedTurns(h.boss, sender);
    assert.equal(queued.length, 1, 'the next turn is queued for whoever comes next');
    assert.equal((await findCampaign(h.db, campaign.id))?.status, 'IN_PROGRESS');

    await h.dispatcher(env);
    const done = await waitForCampaignDone(h.db, campaign.id);
    assert.equal(done.status, 'COMPLETED');
    const received = emulator.messages().map((m) => digitsOf(m.chatId));
    assert.equal(received.length, total);
    assert.equal(new Set(received).size, total, 'nobody received a message twice');
  });
});
