import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SENDER_TURN_QUEUE } from '@herald/domain';
import { makeCampaign, setDelaySettings } from '@herald/testing';
import {
  campaignMessages,
  createHarness,
  digitsOf,
  type Harness,
  recipients,
  waitForCampaignDone,
} from './harness.ts';

const LATENCY_MS = 30;

describe('one message in flight per sender', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
  });
  after(() => h.close());

  it('holds across dispatchers that all run turns of the same sender at once', async () => {
    const emulator = await h.emulator({ tier: 'CORE' });
    const sender = '21620000501';
    await h.connectSender(emulator, sender);
    // The emulator waits this long before accepting: back-to-back sends of one sender are at
    // least this far apart, while two sends in flight together would be accepted together.
    emulator.setFaults({ latencyMs: LATENCY_MS });
    const total = 40;
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: recipients(21690000000, total),
      body: 'One at a time',
    });
    const env = { TURN_SECONDS: '0.2', CHECK_NUMBERS: 'false', POLL_INTERVAL_MS: '20' };
    await Promise.all([h.dispatcher(env), h.dispatcher(env), h.dispatcher(env)]);
    // Many turns of one sender, outside the queue's one-per-sender rule, so every dispatcher
    // runs one at the same time and only the lease keeps them apart.
    for (let i = 0; i < 12; i += 1) {
      await h.boss.send(SENDER_TURN_QUEUE, { sender_number: sender });
    }

    await waitForCampaignDone(h.db, campaign.id);
    const received = [...emulator.messages()].sort((a, b) =>
      a.acceptedAt.localeCompare(b.acceptedAt),
    );
    assert.equal(received.length, total);
    assert.equal(new Set(received.map((m) => digitsOf(m.chatId))).size, total);
    for (let i = 1; i < received.length; i += 1) {
      const gap =
        Date.parse(received[i]?.acceptedAt ?? '') - Date.parse(received[i - 1]?.acceptedAt ?? '');
      assert.ok(gap >= LATENCY_MS - 2, `two sends overlapped: accepted ${gap} ms apart`);
    }
    const claimers = new Set(
      (await campaignMessages(h.db, campaign.id)).map((r) => r.claimed_by?.split(':')[0]),
    );
    assert.ok(claimers.size >= 2, `the sender moved between dispatchers (${claimers.size})`);
  });
});
