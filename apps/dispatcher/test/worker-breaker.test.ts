import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listWorkers, readFleetGauges } from '@herald/db';
import {
  campaignMessages,
  digitsOf,
  enqueueTurn,
  makeCampaign,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignDone,
  waitForCampaignExact,
} from '@herald/testing';
import { createWahaClientCache, MESSAGE_STORE_CONFIG } from '@herald/waha';
import type { RunningEmulator } from '@herald/waha-emulator';
import { probeDueWorkers } from '../src/tasks/probe-workers.ts';
import { createHarness, type Harness, testLogger } from './harness.ts';

// The worker circuit breaker and the adaptive send timeout, against real emulators: a worker
// that times out is degraded and its senders wait while the others go on; a worker that grows
// slow but answers keeps sending; a worker slower than any timeout never has two calls of one
// sender open.

const receivedCounts = (emulator: RunningEmulator, to: string[]) => {
  const counts = new Map<string, number>();
  for (const m of emulator.messages()) {
    const digits = digitsOf(m.chatId);
    if (to.includes(digits)) counts.set(digits, (counts.get(digits) ?? 0) + 1);
  }
  return counts;
};

describe('worker circuit breaker and adaptive send timeout', () => {
  let h: Harness;
  const clients = createWahaClientCache({ timeoutMs: 3000 });
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
  });
  after(async () => {
    await clients.closeAll();
    await h.close();
  });

  const workerRow = (id: number) =>
    h.db.selectFrom('workers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const sendingOf = async (senders: string[]) =>
    h.db
      .selectFrom('messages')
      .select('id')
      .where('sender_number', 'in', senders)
      .where('status', '=', 'SENDING')
      .execute();

  it('degrades a worker that keeps timing out: its senders stop, others go on, a probe brings it back', async () => {
    const slow = await h.emulator({ tier: 'PLUS' });
    const fine = await h.emulator({ tier: 'PLUS' });
    const [a1, a2, b1] = ['21620000901', '21620000902', '21620000903'];
    await h.connectSender(slow, a1);
    await h.connectSender(slow, a2);
    await h.connectSender(fine, b1);
    const slowWorker = await h.workerFor(slow);
    // No periodic probe: only the probe this test runs can bring the worker back.
    const dispatcher = await h.dispatcher({
      SEND_TIMEOUT_MS: '800',
      PROBE_INTERVAL_SECONDS: '0',
      WORKER_BREAKER_THRESHOLD: '3',
      WORKER_BREAKER_COOLDOWN_SECONDS: '0',
    });
    try {
      // One reset, then every send accepted and never answered.
      slow.setFaults({ timeoutRate: 1, failNextSends: { with: 'reset' } });
      const toA1 = recipients(21691000000, 6);
      const toA2 = recipients(21692000000, 6);
      const toB = recipients(21693000000, 4);
      const campaignA1 = await makeCampaign(h.db, { sender: a1, recipients: toA1, body: 'Hi' });
      const campaignA2 = await makeCampaign(h.db, { sender: a2, recipients: toA2, body: 'Hi' });
      for (const sender of [a1, a2]) await enqueueTurn(h.boss, sender);

      const degraded = await waitFor(
        async () => {
          const row = await workerRow(slowWorker.id);
          return !row.healthy && row.degraded_until ? row : null;
        },
        { timeoutMs: 30_000, what: 'the slow worker to be degraded' },
      );
      assert.match(degraded.last_error ?? '', /^degraded: 3 timeouts or resets within 60 s/);
      assert.ok(degraded.breaker_failures >= 3);
      // The calls that were under way end; from then on nothing reaches the slow worker.
      await waitFor(async () => (await sendingOf([a1, a2])).length === 0, {
        what: 'no call left open',
      });
      const reachedBefore = slow.messages().length;

      // A sender on another worker goes on meanwhile: a whole campaign of it.
      const campaignB = await makeCampaign(h.db, { sender: b1, recipients: toB, body: 'Hi' });
      await enqueueTurn(h.boss, b1);
      const doneB = await waitForCampaignDone(h.db, campaignB.id);
      assert.equal(doneB.status, 'COMPLETED');
      assert.equal(doneB.sent_messages, toB.length);

      assert.equal(slow.messages().length, reachedBefore, 'the degraded worker got nothing more');
      const pendingA = (await campaignMessages(h.db, campaignA1.id))
        .concat(await campaignMessages(h.db, campaignA2.id))
        .filter((m) => m.status === 'PENDING');
      assert.ok(pendingA.length > 0, 'its senders wait with their messages pending');
      // Admins see it in the workers listing and in the fleet gauges.
      const listed = (await listWorkers(h.db)).find((w) => w.id === slowWorker.id);
      assert.equal(listed?.healthy, false);
      assert.ok(listed?.degraded_until);
      assert.ok((await readFleetGauges(h.db)).workers.degraded >= 1);

      // The fault goes; a probe that the worker answers brings it back, and its senders finish.
      slow.setFaults({ clear: true });
      const deps = { db: h.db, boss: h.boss, logger: testLogger, wahaClients: clients };
      await waitFor(
        async () => {
          await probeDueWorkers(deps, { intervalSeconds: 60 });
          return (await workerRow(slowWorker.id)).healthy;
        },
        { what: 'a probe to bring the worker back', intervalMs: 200 },
      );
      assert.equal((await workerRow(slowWorker.id)).degraded_until, null);
      for (const [campaign, to] of [
        [campaignA1, toA1],
        [campaignA2, toA2],
      ] as const) {
        const done = await waitForCampaignDone(h.db, campaign.id, 60_000);
        const rows = await campaignMessages(h.db, campaign.id);
        assert.ok(rows.every((r) => r.status === 'SENT' || r.status === 'UNKNOWN'));
        assert.equal(done.sent_messages + done.unknown_messages, to.length);
        const counts = receivedCounts(slow, to);
        for (const recipient of to) assert.equal(counts.get(recipient), 1, `${recipient} once`);
      }
    } finally {
      await dispatcher.stop();
    }
  });

  it('a worker growing slower than the base timeout, but under the cap, still yields SENT', async () => {
    const emulator = await h.emulator({ tier: 'CORE' });
    const sender = '21620000904';
    await h.connectSender(emulator, sender);
    const to = recipients(21694000000, 8);
    // Each message a little slower than the last; the last ones far above SEND_TIMEOUT_MS.
    const latencies = [200, 400, 700, 1000, 1400, 1800, 1800, 1800];
    emulator.setFaults({
      latencyMsTo: Object.fromEntries(to.map((r, i) => [r, latencies[i] ?? 0])),
    });
    const worker = await h.workerFor(emulator);
    const dispatcher = await h.dispatcher({ SEND_TIMEOUT_MS: '1000', SEND_TIMEOUT_MAX_MS: '4000' });
    try {
      const campaign = await makeCampaign(h.db, { sender, recipients: to, body: 'Slowly' });
      await enqueueTurn(h.boss, sender);
      const done = await waitForCampaignDone(h.db, campaign.id, 60_000);
      assert.equal(done.status, 'COMPLETED');
      assert.equal(done.unknown_messages, 0);
      assert.equal(done.sent_messages, to.length);
      const counts = receivedCounts(emulator, to);
      for (const recipient of to) assert.equal(counts.get(recipient), 1, `${recipient} once`);
      const row = await workerRow(worker.id);
      assert.equal(row.breaker_failures, 0, 'no timeout counted against the worker');
    } finally {
      await dispatcher.stop();
    }
  });

  it('latency above the timeout: never two calls of one sender open at WAHA', async () => {
    const emulator = await h.emulator({ tier: 'PLUS' });
    const senders = ['21620000905', '21620000906'];
    for (const sender of senders) await h.connectSender(emulator, sender, MESSAGE_STORE_CONFIG);
    const worker = await h.workerFor(emulator);
    // No send ever succeeds, so the timeout stays at its floor, 1.2 s under the latency.
    emulator.setFaults({ latencyMs: 2000 });
    const dispatcher = await h.dispatcher({
      SEND_TIMEOUT_MS: '800',
      SEND_TIMEOUT_MAX_MS: '1500',
      // WAHA records each message 1.2 s after its call timed out: well inside the settle time.
      UNKNOWN_SETTLE_SECONDS: '3',
      UNKNOWN_HOLD_SECONDS: '30',
      WORKER_BREAKER_THRESHOLD: '3',
    });
    try {
      const to = senders.map((_, i) => recipients(21695000000 + i * 1000, 3));
      const campaigns = await Promise.all(
        senders.map((sender, i) =>
          makeCampaign(h.db, { sender, recipients: to[i] ?? [], body: 'Slow hello' }),
        ),
      );
      for (const sender of senders) await enqueueTurn(h.boss, sender);
      for (const [i, campaign] of campaigns.entries()) {
        await waitForCampaignExact(h.db, campaign.id);
        const counts = receivedCounts(emulator, to[i] ?? []);
        for (const recipient of to[i] ?? []) assert.equal(counts.get(recipient), 1);
      }
      await waitFor(() => senders.every((s) => emulator.sendConcurrency()[s]?.open === 0), {
        what: 'every call to have ended at WAHA',
      });
      for (const sender of senders) {
        assert.equal(emulator.sendConcurrency()[sender]?.max, 1, `one call of ${sender} at a time`);
      }
      const row = await workerRow(worker.id);
      assert.ok(row.breaker_failures >= 3, 'its timeouts were counted against the worker');
      await waitFor(async () => (await workerRow(worker.id)).healthy, {
        what: 'the probe to bring the worker back after its last trip',
      });
    } finally {
      await dispatcher.stop();
    }
  });
});
