import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SENDER_TURN_QUEUE } from '@herald/domain';
import {
  campaignMessages,
  digitsOf,
  makeCampaign,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import { createHarness, type Harness } from './harness.ts';

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
    // The emulator waits this long before answering: back-to-back sends of one sender are at
    // least this far apart, while two sends in flight together would be accepted together.
    emulator.setFaults({ latencyMs: LATENCY_MS });
    const total = 40;
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: recipients(21690000000, total),
      body: 'One at a time',
    });
    const env = { TURN_SECONDS: '0.2', CHECK_NUMBERS: 'false', POLL_INTERVAL_MS: '20' };
    // Many turns of one sender, outside the queue's one-per-sender rule, so that every
    // dispatcher runs one at the same time and only the lease keeps them apart.
    const turns = async (count: number) => {
      for (let i = 0; i < count; i += 1) {
        await h.boss.send(SENDER_TURN_QUEUE, { sender_number: sender });
      }
    };
    // The sender moves between dispatchers by construction: the first one sends a few messages
    // and is stopped (it hands the sender back); the others, competing, send the rest.
    const first = await h.dispatcher(env);
    await turns(4);
    await waitFor(() => emulator.messages().length >= 5, { what: 'the first sends' });
    await first.stop();
    await Promise.all([h.dispatcher(env), h.dispatcher(env)]);
    await turns(12);

    await waitForCampaignDone(h.db, campaign.id);
    const received = [...emulator.messages()].sort((a, b) =>
      a.acceptedAt.localeCompare(b.acceptedAt),
    );
    assert.equal(received.length, total);
    assert.equal(new Set(received.map((m) => digitsOf(m.chatId))).size, total);
    for (let i = 1; i < received.length; i += 1) {
      const gap =
        Date.parse(received[i]?.acceptedAt ?? '') - Date.parse(received[i - 1]?.acceptedAt ?? '');
      // Two sends in flight together would be accepted within a millisecond or two of each
      // other; the slack is the timers' own rounding of LATENCY_MS.
      assert.ok(gap >= LATENCY_MS - 2, `two sends overlapped: accepted ${gap} ms apart`);
    }
    // The ledger says the same with the database's clock: each claim comes after the previous
    // message's outcome was recorded, whichever dispatcher made them.
    const rows = await campaignMessages(h.db, campaign.id);
    for (let i = 1; i < rows.length; i += 1) {
      const previous = rows[i - 1];
      const current = rows[i];
      assert.ok(previous?.finished_at && current?.sending_at);
      assert.ok(
        current.sending_at >= previous.finished_at,
        `message ${current.id} was claimed before message ${previous.id} was settled`,
      );
    }
    const claimers = new Set(rows.map((r) => r.claimed_by?.split(':')[0]));
    assert.ok(claimers.has(first.id), 'the first dispatcher sent some');
    assert.ok(claimers.size >= 2, `the others sent the rest (${[...claimers].join(', ')})`);
  });
});
