import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findCampaign } from '@herald/db';
import {
  campaignMessages,
  countersAndRows,
  digitsOf,
  enqueueTurn,
  makeCampaign,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignExact,
} from '@herald/testing';
import { MESSAGE_STORE_CONFIG } from '@herald/waha';
import type { RunningEmulator } from '@herald/waha-emulator';
import { createHarness, type Harness } from './harness.ts';

// UNKNOWN outcomes settled from WAHA's own record: resets that did or did not deliver, a worker
// slower than the send timeout, and a worker that cannot answer (NOWEB store off).

const STORE = MESSAGE_STORE_CONFIG;

/** The campaign finished with nothing left UNKNOWN (it may finish, reopen and finish again). */
async function assertExactlyOnce(
  h: Harness,
  emulator: RunningEmulator,
  campaignId: number,
  to: string[],
) {
  const received = emulator.messages().filter((m) => to.includes(digitsOf(m.chatId)));
  const perRecipient = new Map<string, number>();
  for (const m of received) {
    const digits = digitsOf(m.chatId);
    perRecipient.set(digits, (perRecipient.get(digits) ?? 0) + 1);
  }
  for (const recipient of to) assert.equal(perRecipient.get(recipient), 1, `${recipient} once`);
  const rows = await campaignMessages(h.db, campaignId);
  const ids = new Set(received.map((m) => m.id));
  for (const row of rows) {
    assert.equal(row.status, 'SENT');
    assert.ok(row.waha_message_id && ids.has(row.waha_message_id), 'SENT row matches a record');
  }
  const campaign = await findCampaign(h.db, campaignId);
  assert.ok(campaign);
  const { counters, rows: counted } = await countersAndRows(h.db, campaign);
  assert.deepEqual(counters, counted);
}

async function resolvedEvents(h: Harness, campaignId: number) {
  return h.db
    .selectFrom('campaign_events')
    .select(['message_id', 'status', 'note'])
    .where('campaign_id', '=', campaignId)
    .where('note', '=', 'resolved_from_unknown')
    .execute();
}

describe('UNKNOWN resolved from WAHA’s record', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
  });
  after(() => h.close());

  for (const delivered of [true, false]) {
    it(`50% resets (${delivered ? 'delivered' : 'not delivered'} before the reset): each recipient once, 0 UNKNOWN`, async () => {
      const emulator = await h.emulator({ tier: 'PLUS' });
      const sender = delivered ? '21620000701' : '21620000702';
      await h.connectSender(emulator, sender, STORE);
      const dispatcher = await h.dispatcher();
      try {
        emulator.setFaults({ resetRate: 0.5, acceptBeforeReset: delivered });
        const to = recipients(delivered ? 21671000000 : 21672000000, 20);
        const campaign = await makeCampaign(h.db, {
          sender,
          recipients: to,
          body: (r) => `Hello ${r}`,
        });
        await enqueueTurn(h.boss, sender);
        await waitForCampaignExact(h.db, campaign.id);
        emulator.setFaults({ clear: true });
        await assertExactlyOnce(h, emulator, campaign.id, to);
        const events = await resolvedEvents(h, campaign.id);
        assert.ok(events.length > 0, 'some resolutions are in the history');
        const expected = delivered ? 'SENT' : 'PENDING';
        assert.ok(
          events.every((e) => e.status === expected),
          `every resolution is ${expected}`,
        );
      } finally {
        await dispatcher.stop();
      }
    });
  }

  it('a worker slower than the send timeout: SENT in the end, never two calls of a sender open', async () => {
    const emulator = await h.emulator({ tier: 'PLUS' });
    const sender = '21620000703';
    await h.connectSender(emulator, sender, STORE);
    const dispatcher = await h.dispatcher({
      // The shortest timeout the status-wait rule allows with the harness's WAHA_STATUS_WAIT_MS.
      SEND_TIMEOUT_MS: '800',
      UNKNOWN_SETTLE_SECONDS: '2',
      UNKNOWN_HOLD_SECONDS: '30',
    });
    try {
      emulator.setFaults({ latencyMs: 1500 });
      const to = recipients(21673000000, 4);
      const campaign = await makeCampaign(h.db, { sender, recipients: to, body: 'Slow hello' });
      await enqueueTurn(h.boss, sender);
      await waitForCampaignExact(h.db, campaign.id);
      await assertExactlyOnce(h, emulator, campaign.id, to);
      assert.equal(emulator.sendConcurrency()[sender]?.max, 1, 'one call of the sender at a time');
      assert.equal((await resolvedEvents(h, campaign.id)).length, to.length);
    } finally {
      await dispatcher.stop();
    }
  });

  it('stays UNKNOWN when WAHA cannot answer (NOWEB store off), and the sender goes on', async () => {
    const emulator = await h.emulator({ tier: 'PLUS' });
    const sender = '21620000704';
    await h.connectSender(emulator, sender);
    const dispatcher = await h.dispatcher();
    try {
      const to = recipients(21674000000, 3);
      emulator.setFaults({ failNextSends: { with: 'reset', to: to[0] } });
      const campaign = await makeCampaign(h.db, { sender, recipients: to, body: 'Hi' });
      await enqueueTurn(h.boss, sender);
      const done = await waitFor(
        async () => {
          const c = await findCampaign(h.db, campaign.id);
          return c?.status === 'COMPLETED_WITH_ERRORS' ? c : null;
        },
        { timeoutMs: 30_000, what: 'the campaign to end' },
      );
      assert.equal(done.unknown_messages, 1);
      assert.equal(done.sent_messages, 2);
      // Several lookups later it is still UNKNOWN: WAHA answered 400 each time.
      await waitFor(
        async () => {
          const rows = await campaignMessages(h.db, campaign.id);
          return rows.some((r) => r.status === 'UNKNOWN' && r.resolve_checks >= 2);
        },
        { timeoutMs: 60_000, what: 'a second lookup WAHA could not answer' },
      );
      const c = await findCampaign(h.db, campaign.id);
      assert.equal(c?.unknown_messages, 1);
    } finally {
      await dispatcher.stop();
    }
  });
});
