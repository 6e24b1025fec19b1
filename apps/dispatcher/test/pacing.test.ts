import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  digitsOf,
  enqueueTurn,
  makeCampaign,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import type { AcceptedMessage } from '@herald/waha-emulator';
import { createHarness, type Harness } from './harness.ts';

const MESSAGE_DELAY = 0.3;
const SWITCH_DELAY = 0.2;
const OVERRIDE_DELAY = 0.5;
const CHANGED_DELAY = 0.6;
const PER_SENDER = 10;

/** Gaps between consecutive acceptances, in ms, with the messages on either side. */
function gaps(messages: AcceptedMessage[]) {
  const sorted = [...messages].sort((a, b) => a.acceptedAt.localeCompare(b.acceptedAt));
  return sorted.slice(1).map((b, i) => {
    const a = sorted[i] as AcceptedMessage;
    return { a, b, ms: Date.parse(b.acceptedAt) - Date.parse(a.acceptedAt) };
  });
}

describe('pacing across three dispatcher processes', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('keeps MESSAGE_DELAY per sender and SENDER_SWITCH_DELAY per worker, overrides and live changes included', async () => {
    await setDelaySettings(h.db, { messageDelay: MESSAGE_DELAY, senderSwitchDelay: SWITCH_DELAY });
    const [coreA, coreB, plus] = [
      await h.emulator({ tier: 'CORE' }),
      await h.emulator({ tier: 'CORE' }),
      await h.emulator({ tier: 'PLUS' }),
    ];
    const sessionOf = (phone: string, emulator: typeof plus) =>
      emulator === plus ? phone : 'default';
    const senders = {
      overridden: '21620000201',
      global: '21620000202',
      plusOne: '21620000203',
      plusTwo: '21620000204',
    };
    await h.connectSender(coreA, senders.overridden);
    await h.connectSender(coreB, senders.global);
    await h.connectSender(plus, senders.plusOne);
    await h.connectSender(plus, senders.plusTwo);
    await h.db
      .updateTable('senders')
      .set({ message_delay: OVERRIDE_DELAY })
      .where('phone_number', '=', senders.overridden)
      .execute();

    // Short turns, so senders move between processes and only Postgres can keep the pace.
    const env = { TURN_SECONDS: '1', CHECK_NUMBERS: 'false' };
    const first = await h.process('pace-1', env);
    const campaigns = [];
    for (const [index, sender] of Object.values(senders).entries()) {
      const to = recipients(21660000000 + index * 1000, PER_SENDER);
      campaigns.push(await makeCampaign(h.db, { sender, recipients: to, body: `from ${sender}` }));
      await enqueueTurn(h.boss, sender);
    }
    // Every sender changes process by construction: the first one sends two messages of each and
    // stops (handing its senders back); two others, started then, send the rest between them.
    const sentBy = (emulator: typeof plus, phone: string) =>
      emulator.messages().filter((m) => m.session === sessionOf(phone, emulator)).length;
    const placed: [string, typeof plus][] = [
      [senders.overridden, coreA],
      [senders.global, coreB],
      [senders.plusOne, plus],
      [senders.plusTwo, plus],
    ];
    await waitFor(() => placed.every(([phone, emulator]) => sentBy(emulator, phone) >= 2), {
      timeoutMs: 30_000,
      what: 'two sends of each sender from the first process',
    });
    assert.equal(await first.stop(), 0);
    await Promise.all(['pace-2', 'pace-3'].map((id) => h.process(id, env)));

    // Mid-campaign, the global delay goes up; everything accepted after that must follow it.
    await waitFor(() => coreB.messages().length >= 4, {
      timeoutMs: 30_000,
      what: 'four sends on B',
    });
    await h.db.updateTable('delay_settings').set({ message_delay: CHANGED_DELAY }).execute();
    const changedAt = Date.now();
    for (const campaign of campaigns) await waitForCampaignDone(h.db, campaign.id);

    const bySender = (emulator: typeof plus, phone: string) =>
      emulator.messages().filter((m) => m.session === sessionOf(phone, emulator));
    const checks: [string, typeof plus, number][] = [
      [senders.overridden, coreA, OVERRIDE_DELAY],
      [senders.global, coreB, MESSAGE_DELAY],
      [senders.plusOne, plus, MESSAGE_DELAY],
      [senders.plusTwo, plus, MESSAGE_DELAY],
    ];
    let afterChange = 0;
    for (const [phone, emulator, delay] of checks) {
      const sent = bySender(emulator, phone);
      assert.equal(sent.length, PER_SENDER, `${phone} sent all its messages`);
      assert.equal(new Set(sent.map((m) => digitsOf(m.chatId))).size, PER_SENDER);
      for (const { a, b, ms } of gaps(sent)) {
        // A pair whose first message was accepted after the change was claimed after it.
        const changed = phone !== senders.overridden && Date.parse(a.acceptedAt) > changedAt;
        if (changed) afterChange += 1;
        const required = (changed ? CHANGED_DELAY : delay) * 1000;
        // Exact: both stamps come from one clock, and the next claim waits until the delay has
        // passed since the end of the previous call, which ended after it was accepted.
        assert.ok(
          ms >= required,
          `${phone}: ${a.acceptedAt} -> ${b.acceptedAt} is ${ms} ms, below ${required} ms`,
        );
      }
    }
    assert.ok(afterChange >= 3, `the change was in force for several sends (${afterChange})`);

    // The shared Plus worker: every switch between its two senders keeps the switch delay.
    let switches = 0;
    for (const { a, b, ms } of gaps(plus.messages())) {
      if (a.session === b.session) continue;
      switches += 1;
      assert.ok(ms >= SWITCH_DELAY * 1000, `switch ${a.session} -> ${b.session} after ${ms} ms`);
    }
    assert.ok(switches >= 4, `the senders alternated on the shared worker (${switches} switches)`);

    const claimers = await h.db.selectFrom('messages').select('claimed_by').distinct().execute();
    const processes = new Set(claimers.map((row) => row.claimed_by?.split(':')[0]));
    assert.ok(processes.has('pace-1'), 'the first process sent');
    assert.ok(
      processes.has('pace-2') || processes.has('pace-3'),
      `the others took over (${[...processes].join(', ')})`,
    );
  });
});
