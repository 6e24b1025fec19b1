import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  enqueueTurn,
  makeCampaign,
  queuedTurns,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import { createHarness, type Harness, waitForLeaseReleased } from './harness.ts';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(() => h.close());

it('applies a lowered delay even while the sender waits out a long one', async () => {
  await setDelaySettings(h.db, { messageDelay: 600, senderSwitchDelay: 0 });
  const emulator = await h.emulator({ tier: 'CORE' });
  const sender = '21620000031';
  await h.connectSender(emulator, sender);
  const campaign = await makeCampaign(h.db, {
    sender,
    recipients: recipients(21651000000, 2),
    body: 'Hello',
  });
  await h.dispatcher({ TURN_SECONDS: '1' });
  await enqueueTurn(h.boss, sender);
  await waitFor(() => emulator.messages().length === 1, { what: 'the first message' });
  // The turn hands the sender back, its next turn queued for when the 600 s are over …
  await waitForLeaseReleased(h.db, sender);
  assert.equal((await queuedTurns(h.boss, sender)).length, 1);

  // … and the admin shortens the delay.
  await setDelaySettings(h.db, { messageDelay: 0.05, senderSwitchDelay: 0 });
  const done = await waitForCampaignDone(h.db, campaign.id);
  assert.equal(done.sent_messages, 2);
  assert.equal(emulator.messages().length, 2);
});
