import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  enqueueTurn,
  makeCampaign,
  recipients,
  setDelaySettings,
  turnJobs,
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
  // The turn hands the sender back with its next turn queued in the same transaction, not for
  // when the 600 s are over but at most one turn's length ahead, when the delays are read again
  // (a recovery sweep may have queued the sender's turn meanwhile: that one starts at once) …
  await waitForLeaseReleased(h.db, sender);
  const jobs = await turnJobs(h.boss, sender);
  assert.ok(
    jobs.some((j) => j.state !== 'completed'),
    'a turn is queued or running for the sender',
  );
  for (const job of jobs) {
    const ahead = job.startAfter.getTime() - job.createdOn.getTime();
    assert.ok(ahead <= 2000, `a turn was queued to start ${ahead} ms ahead`);
  }

  // … and the admin shortens the delay.
  await setDelaySettings(h.db, { messageDelay: 0.05, senderSwitchDelay: 0 });
  const done = await waitForCampaignDone(h.db, campaign.id);
  assert.equal(done.sent_messages, 2);
  assert.equal(emulator.messages().length, 2);
});
