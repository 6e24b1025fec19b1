import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addSuppression, readSendingState, resumeSender } from '@herald/db';
import {
  campaignMessages,
  countersAndRows,
  digitsOf,
  enqueueTurn,
  makeCampaign,
  recipients,
  setSenderPolicy,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import { createSafetyWorld, type SafetyWorld } from './safety-support.ts';

// Health pauses and opt-outs, with three dispatcher processes sharing Postgres.

describe('health pauses and opt-outs across three dispatcher processes', () => {
  let w: SafetyWorld;
  before(async () => {
    w = await createSafetyWorld('health');
  });
  after(() => w.h.close());

  it('pauses after exactly N consecutive failures, fails nothing else, and resumes on demand', async () => {
    const sender = '21620000521';
    const to = recipients(21677000000, 10);
    // Messages 3, 4 and 5 go to numbers that are not on WhatsApp.
    w.emulator.setFaults({ notOnWhatsApp: to.slice(2, 5) });
    const health = { max_consecutive_failures: 3, max_not_on_whatsapp_ratio: 1, window: 10 };
    await w.h.connectSender(w.emulator, sender);
    await setSenderPolicy(w.h.db, {}, { [sender]: { health } });
    const campaign = await makeCampaign(w.h.db, { sender, recipients: to, body: 'hi' });
    await enqueueTurn(w.h.boss, sender);
    const paused = await waitFor(
      async () => {
        const state = await readSendingState(w.h.db, sender);
        return state?.state === 'PAUSED' ? state : null;
      },
      { timeoutMs: 30_000, what: 'the health pause' },
    );
    assert.equal(paused.reason, 'HEALTH');
    assert.deepEqual(paused.details, {
      rule: 'CONSECUTIVE_FAILURES',
      consecutive_failures: 3,
      max_consecutive_failures: 3,
    });
    const rows = await campaignMessages(w.h.db, campaign.id);
    assert.deepEqual(
      rows.map((r) => r.status),
      ['SENT', 'SENT', 'FAILED', 'FAILED', 'FAILED', ...Array(5).fill('PENDING')],
    );
    assert.equal(await resumeSender(w.h.db, sender), true);
    await enqueueTurn(w.h.boss, sender);
    const done = await waitForCampaignDone(w.h.db, campaign.id, 30_000);
    assert.equal(done.sent_messages, 7);
    assert.equal(done.failed_messages, 3);
  });

  it('pauses a sender banned mid-campaign with HEALTH, leaving its messages PENDING', async () => {
    const sender = '21620000531';
    const health = { max_consecutive_failures: 5, max_not_on_whatsapp_ratio: 0.5, window: 20 };
    await w.h.connectSender(w.emulator, sender);
    await setSenderPolicy(w.h.db, {}, { [sender]: { health } });
    const campaign = await w.start(sender, 30, 21678000000);
    await waitFor(() => w.sentBy(sender).length >= 3, { what: 'a few sends' });
    const banned = await fetch(`${w.emulator.url}/_emulator/sessions/${sender}/ban`, {
      method: 'POST',
    });
    assert.equal(banned.status, 200);
    const paused = await waitFor(
      async () => {
        const state = await readSendingState(w.h.db, sender);
        return state?.reason === 'HEALTH' ? state : null;
      },
      { timeoutMs: 30_000, what: 'the pause after the ban' },
    );
    assert.deepEqual(paused.details, { rule: 'SESSION_LOGGED_OUT', waha_status: 'FAILED' });
    const rows = await campaignMessages(w.h.db, campaign.id);
    assert.equal(rows.filter((r) => r.status === 'FAILED').length, 0);
    assert.equal(rows.filter((r) => r.status === 'SENT').length, w.sentBy(sender).length);
    assert.equal(rows.filter((r) => r.status === 'PENDING').length, 30 - w.sentBy(sender).length);
  });

  it('stops the remaining messages to a recipient who opts out mid-campaign', async () => {
    const sender = '21620000541';
    const quitter = '21679000000';
    await w.h.connectSender(w.emulator, sender);
    await setSenderPolicy(w.h.db, {}, { [sender]: { burst: { size: 2, pause_seconds: 1 } } });
    // Three campaigns, each to the quitter and two others.
    const campaigns = [];
    for (let i = 0; i < 3; i += 1) {
      const to = [quitter, ...recipients(21679000010 + i * 10, 2)];
      campaigns.push(await makeCampaign(w.h.db, { sender, recipients: to, body: `c${i}` }));
    }
    await enqueueTurn(w.h.boss, sender);
    await waitFor(() => w.sentBy(sender).some((m) => digitsOf(m.chatId) === quitter), {
      what: 'the first message to the quitter',
    });
    // What the gateway records when WAHA delivers the STOP reply (see the API's tests).
    await addSuppression(w.h.db, { senderNumber: sender, recipient: quitter, source: 'OPT_OUT' });
    for (const campaign of campaigns) {
      const done = await waitForCampaignDone(w.h.db, campaign.id, 30_000);
      const { counters, rows } = await countersAndRows(w.h.db, done);
      assert.deepEqual(counters, rows);
    }
    const toQuitter = w.sentBy(sender).filter((m) => digitsOf(m.chatId) === quitter);
    assert.equal(toQuitter.length, 1);
    const rows = (await Promise.all(campaigns.map((c) => campaignMessages(w.h.db, c.id)))).flat();
    const quitterRows = rows.filter((r) => r.recipient === quitter).map((r) => r.status);
    assert.deepEqual(quitterRows, ['SENT', 'SUPPRESSED', 'SUPPRESSED']);
    const last = await w.h.db
      .selectFrom('campaigns')
      .select(['status', 'suppressed_messages', 'sent_messages'])
      .where('id', '=', campaigns[2]?.id ?? 0)
      .executeTakeFirstOrThrow();
    assert.deepEqual(last, { status: 'COMPLETED', suppressed_messages: 1, sent_messages: 2 });
  });
});
