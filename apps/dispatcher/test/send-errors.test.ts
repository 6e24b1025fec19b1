import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  campaignMessages,
  countersAndRows,
  digitsOf,
  enqueueTurn,
  makeCampaign,
  queuedTurns,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import { createHarness, type Harness } from './harness.ts';

describe('send errors', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
    await h.dispatcher({
      MAX_ATTEMPTS: '3',
      RETRY_BACKOFF_SECONDS: '0.3',
      RETRY_BACKOFF_MAX_SECONDS: '1',
      SEND_TIMEOUT_MS: '1000',
    });
  });
  after(() => h.close());

  const receivedBy = (emulator: RunningEmulator, recipient: string) =>
    emulator.messages().filter((m) => digitsOf(m.chatId) === recipient);
  const messageRow = async (campaignId: number, recipient: string) => {
    const rows = await campaignMessages(h.db, campaignId);
    const row = rows.find((r) => r.recipient === recipient);
    assert.ok(row, `a row for ${recipient}`);
    return row;
  };

  it('fails recipients WhatsApp does not know, and Plus-only media on a Core worker', async () => {
    const emulator = await h.emulator({ tier: 'CORE' });
    const sender = '21620000101';
    await h.connectSender(emulator, sender);
    const to = recipients(21651000000, 4);
    const unknownNumber = to[1] as string;
    emulator.setFaults({ notOnWhatsApp: [unknownNumber] });
    const text = await makeCampaign(h.db, { sender, recipients: to, body: 'Hi' });
    const media = await makeCampaign(h.db, {
      sender,
      recipients: recipients(21652000000, 2),
      body: 'Look at this',
      mediaUrl: 'https://cdn.example.com/promo.jpg',
    });
    await enqueueTurn(h.boss, sender);

    const doneText = await waitForCampaignDone(h.db, text.id);
    assert.equal(doneText.status, 'COMPLETED_WITH_ERRORS');
    assert.equal(doneText.sent_messages, 3);
    assert.equal(doneText.failed_messages, 1);
    const notOnWhatsApp = await messageRow(text.id, unknownNumber);
    assert.equal(notOnWhatsApp.status, 'FAILED');
    assert.equal(notOnWhatsApp.error_code, 'NOT_ON_WHATSAPP');
    assert.equal(receivedBy(emulator, unknownNumber).length, 0);

    const doneMedia = await waitForCampaignDone(h.db, media.id);
    assert.equal(doneMedia.status, 'COMPLETED_WITH_ERRORS');
    for (const row of await campaignMessages(h.db, media.id)) {
      assert.equal(row.status, 'FAILED');
      assert.equal(row.error_code, 'PLUS_ONLY');
      assert.match(row.error ?? '', /Plus/);
      assert.equal(row.attempts, 1, 'a permanent error is not retried');
    }
    assert.equal(emulator.messages().length, 3);
    for (const c of [doneText, doneMedia]) {
      const { counters, rows } = await countersAndRows(h.db, c);
      assert.deepEqual(counters, rows);
    }
  });

  it('sends media through the route its type calls for, with the body as caption', async () => {
    const emulator = await h.emulator({ tier: 'PLUS' });
    const sender = '21620000102';
    await h.connectSender(emulator, sender);
    const pdf = await makeCampaign(h.db, {
      sender,
      recipients: ['21653000001'],
      body: 'Your invoice',
      mediaUrl: 'https://cdn.example.com/files/invoice%20May.pdf?sig=abc',
    });
    const image = await makeCampaign(h.db, {
      sender,
      recipients: ['21653000002'],
      body: 'Our new shop',
      mediaUrl: 'https://cdn.example.com/shop.PNG',
    });
    await enqueueTurn(h.boss, sender);
    await waitForCampaignDone(h.db, pdf.id);
    await waitForCampaignDone(h.db, image.id);
    const [file, picture] = [
      receivedBy(emulator, '21653000001'),
      receivedBy(emulator, '21653000002'),
    ];
    assert.equal(file.length, 1);
    assert.equal(file[0]?.kind, 'file');
    assert.equal(file[0]?.caption, 'Your invoice');
    // WAHA is handed the stored bytes, never the user's URL.
    const stored = Buffer.from('media of https://cdn.example.com/files/invoice%20May.pdf?sig=abc');
    assert.deepEqual(file[0]?.file, {
      mimetype: 'application/pdf',
      filename: 'invoice May.pdf',
      dataBytes: Buffer.byteLength(stored.toString('base64')),
    });
    assert.equal(picture.length, 1);
    assert.equal(picture[0]?.kind, 'image');
    assert.equal(picture[0]?.file?.mimetype, 'image/png');
  });

  it('retries a server error with backoff and then delivers the message once', async () => {
    const emulator = await h.emulator({ tier: 'CORE' });
    const sender = '21620000103';
    await h.connectSender(emulator, sender);
    // Exactly two server errors, then WAHA accepts: no race with a switch turned off later.
    emulator.setFaults({ failNextSends: { with: 'error5xx', count: 2 } });
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: ['21654000001'],
      body: 'Retry me',
    });
    await enqueueTurn(h.boss, sender);

    const done = await waitForCampaignDone(h.db, campaign.id);
    assert.equal(done.status, 'COMPLETED');
    const row = await messageRow(campaign.id, '21654000001');
    assert.equal(row.status, 'SENT');
    assert.equal(row.attempts, 3);
    assert.equal(row.error_code, null, 'the error of a failed attempt goes once it is sent');
    assert.ok(row.sending_at && row.sent_at && done.started_at);
    // The third attempt waited out both backoffs (0.3 s, then 0.6 s), by the database's clock.
    assert.ok(
      row.sending_at.getTime() - done.started_at.getTime() >= 900,
      `the last attempt came ${row.sending_at.getTime() - done.started_at.getTime()} ms after the first`,
    );
    assert.equal(receivedBy(emulator, '21654000001').length, 1, 'a 500 is not an acceptance');
    assert.deepEqual(emulator.faults().sendScript, [], 'both scripted errors were used');
  });

  it('fails a message that keeps getting server errors after MAX_ATTEMPTS', async () => {
    const emulator = await h.emulator({ tier: 'CORE' });
    const sender = '21620000104';
    await h.connectSender(emulator, sender);
    emulator.setFaults({ errorRate5xx: 1 });
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: ['21655000001'],
      body: 'No luck',
    });
    await enqueueTurn(h.boss, sender);

    const done = await waitForCampaignDone(h.db, campaign.id);
    assert.equal(done.status, 'COMPLETED_WITH_ERRORS');
    const row = await messageRow(campaign.id, '21655000001');
    assert.ok(row.finished_at && done.started_at);
    assert.ok(
      row.finished_at.getTime() - done.started_at.getTime() >= 900,
      'two backoffs (0.3 s, 0.6 s) separate the three attempts',
    );
    assert.equal(row.status, 'FAILED');
    assert.equal(row.error_code, 'SERVER_ERROR');
    assert.equal(row.attempts, 3);
    assert.equal(emulator.messages().length, 0);
  });

  it('records a send that timed out after WAHA accepted it as UNKNOWN and never sends it again', async () => {
    const emulator = await h.emulator({ tier: 'CORE' });
    const sender = '21620000105';
    await h.connectSender(emulator, sender);
    emulator.setFaults({ failNextSends: { with: 'timeout' } });
    const first = await makeCampaign(h.db, { sender, recipients: ['21656000001'], body: 'Once' });
    await enqueueTurn(h.boss, sender);
    const done = await waitForCampaignDone(h.db, first.id);
    assert.equal(done.status, 'COMPLETED_WITH_ERRORS');
    assert.equal(done.unknown_messages, 1);
    const row = await messageRow(first.id, '21656000001');
    assert.equal(row.status, 'UNKNOWN');
    assert.equal(row.error_code, 'TIMEOUT');
    assert.equal(receivedBy(emulator, '21656000001').length, 1, 'WAHA did accept it');

    // Later turns and sweeps of the same sender leave it alone.
    const second = await makeCampaign(h.db, { sender, recipients: ['21656000002'], body: 'Next' });
    await enqueueTurn(h.boss, sender);
    await waitForCampaignDone(h.db, second.id);
    await waitFor(async () => (await queuedTurns(h.boss, sender)).length === 0, {
      what: 'no queued turn',
    });
    assert.equal(receivedBy(emulator, '21656000001').length, 1);
    assert.equal((await messageRow(first.id, '21656000001')).status, 'UNKNOWN');
    assert.equal((await messageRow(first.id, '21656000001')).attempts, 1);
  });
});
