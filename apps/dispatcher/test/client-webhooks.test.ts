import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ClientWebhookEvent, verifyClientWebhook } from '@herald/domain';
import {
  enqueueTurn,
  makeCampaign,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import { createHarness, type Harness } from './harness.ts';

const SECRET = 'client-webhook-secret-0123456789';
const FAILURES = 3;

/** A receiver that answers 500 to its first `failures` requests, then 204, and keeps what came. */
async function startReceiver(failures = FAILURES) {
  const received: { event: ClientWebhookEvent; signed: boolean }[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests += 1;
      if (requests <= failures) {
        res.writeHead(500).end();
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const header = String(req.headers['x-herald-signature'] ?? '');
      const signed = verifyClientWebhook(SECRET, raw, header, Math.floor(Date.now() / 1000));
      received.push({ event: JSON.parse(raw) as ClientWebhookEvent, signed });
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks?token=abc`,
    received,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('client webhooks', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
    receiver = await startReceiver();
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it('a receiver that fails 3 times then succeeds gets every event, signed, in order per message', async () => {
    const emulator = await h.emulator({ tier: 'PLUS' });
    const sender = '21620000501';
    await h.connectSender(emulator, sender);
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: recipients(21650005000, 10),
      body: 'Hello',
    });
    await h.dispatcher({
      CLIENT_WEBHOOK_URL: receiver.url,
      CLIENT_WEBHOOK_SECRET: SECRET,
      CLIENT_WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_DRAIN_MS: '100',
      WEBHOOK_RETRY_DELAY_SECONDS: '1',
    });
    await enqueueTurn(h.boss, sender);
    // Sending does not wait for the failing receiver.
    await waitForCampaignDone(h.db, campaign.id);

    const ledger = await h.db
      .selectFrom('campaign_events')
      .select(['xid', 'seq', 'message_id', 'status'])
      .where('campaign_id', '=', campaign.id)
      .orderBy('xid')
      .orderBy('seq')
      .execute();
    const ids = ledger.map((e) => `${e.xid}-${e.seq}`);
    await waitFor(() => ids.every((id) => receiver.received.some((r) => r.event.id === id)), {
      timeoutMs: 60_000,
      what: 'every event at the receiver',
    });
    assert.ok(receiver.requests() > FAILURES);
    assert.ok(
      receiver.received.every((r) => r.signed),
      'every signature verifies',
    );
    // 10 messages went SENDING then SENT; the campaign IN_PROGRESS then COMPLETED.
    assert.equal(ledger.length, 22);
    const types = new Set(receiver.received.map((r) => r.event.type));
    assert.deepEqual([...types].sort(), ['campaign.status', 'message.status']);
    // In order per message: the first arrival of each event follows the feed order.
    const firstArrival = new Map<string, number>();
    receiver.received.forEach((r, i) => {
      if (!firstArrival.has(r.event.id)) firstArrival.set(r.event.id, i);
    });
    for (const messageId of new Set(ledger.map((e) => e.message_id))) {
      const own = ledger.filter((e) => e.message_id === messageId);
      const arrivals = own.map((e) => firstArrival.get(`${e.xid}-${e.seq}`) ?? -1);
      assert.deepEqual(
        arrivals,
        [...arrivals].sort((a, b) => a - b),
        `events of ${messageId ?? 'the campaign'} arrive in order`,
      );
    }
    const sent = receiver.received.find(
      (r) => r.event.type === 'message.status' && r.event.data.status === 'SENT',
    );
    assert.equal(sent?.event.campaign_id, campaign.id);
    assert.match(sent?.event.data.recipient ?? '', /^2165000500\d$/);
  });

  it("sends a campaign's events to its callback_url rather than CLIENT_WEBHOOK_URL", async () => {
    const own = await startReceiver(0);
    try {
      const emulator = await h.emulator({ tier: 'PLUS' });
      const sender = '21620000502';
      await h.connectSender(emulator, sender);
      const campaign = await makeCampaign(h.db, {
        sender,
        recipients: recipients(21650006000, 3),
        body: 'Hello',
      });
      await h.db
        .updateTable('campaigns')
        .set({ callback_url: own.url })
        .where('id', '=', campaign.id)
        .execute();
      const before = receiver.received.length;
      await enqueueTurn(h.boss, sender);
      await waitForCampaignDone(h.db, campaign.id);
      // 3 messages × (SENDING, SENT) + IN_PROGRESS + COMPLETED.
      await waitFor(() => new Set(own.received.map((r) => r.event.id)).size === 8, {
        timeoutMs: 30_000,
        what: 'the campaign events at its own receiver',
      });
      assert.ok(own.received.every((r) => r.event.campaign_id === campaign.id && r.signed));
      const elsewhere = receiver.received.slice(before);
      assert.ok(elsewhere.every((r) => r.event.campaign_id !== campaign.id));
    } finally {
      await own.close();
    }
  });
});
