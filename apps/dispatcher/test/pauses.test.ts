import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  campaignMessages,
  digitsOf,
  enqueueTurn,
  makeCampaign,
  recipients,
  setDelaySettings,
  turnJobs,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import { createHarness, type Harness, waitForLeaseReleased } from './harness.ts';

// A sender whose session or worker cannot send waits: its messages stay PENDING, no turn is
// queued for it, and the recovery sweep gives it a turn once it can send again.
describe('paused senders', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
    await h.dispatcher();
  });
  after(() => h.close());

  /**
   * A paused sender's turns end without a continuation: none is left queued or running. A turn
   * that queued one for a paused sender would keep one alive forever, and this would time out.
   * (A recovery sweep may have queued one just before the pause; it too ends without a follower.)
   */
  const noTurnLeft = (sender: string) =>
    waitFor(async () => (await turnJobs(h.boss, sender)).every((j) => j.state === 'completed'), {
      what: `no turn left for the paused ${sender}`,
    });

  it('pauses a sender while its worker refuses connections and resumes once it is healthy', async () => {
    const emulator = await h.emulator({ tier: 'CORE' });
    const sender = '21620000106';
    await h.connectSender(emulator, sender);
    const worker = await h.workerFor(emulator);
    await emulator.goOffline();
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: recipients(21657000000, 5),
      body: 'Patience',
    });
    await enqueueTurn(h.boss, sender);

    await waitFor(
      async () => {
        const w = await h.db
          .selectFrom('workers')
          .select('healthy')
          .where('id', '=', worker.id)
          .executeTakeFirstOrThrow();
        return !w.healthy;
      },
      { what: 'the worker to be marked unhealthy' },
    );
    await waitForLeaseReleased(h.db, sender);
    const paused = await campaignMessages(h.db, campaign.id);
    assert.deepEqual(new Set(paused.map((m) => m.status)), new Set(['PENDING']));
    assert.ok(
      paused.every((m) => m.attempts === 0),
      'a refused connection is not an attempt',
    );
    await noTurnLeft(sender);

    // The worker prober's job in production: it answers again, so it is healthy again.
    await emulator.goOnline();
    await h.db.updateTable('workers').set({ healthy: true }).where('id', '=', worker.id).execute();
    const done = await waitForCampaignDone(h.db, campaign.id);
    assert.equal(done.status, 'COMPLETED');
    assert.equal(emulator.messages().length, 5);
  });

  it('pauses a sender whose session leaves WORKING and resumes when it is CONNECTED again', async () => {
    const emulator = await h.emulator({ tier: 'CORE' });
    const sender = '21620000107';
    await h.connectSender(emulator, sender);
    emulator.setFaults({ latencyMs: 20 });
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: recipients(21658000000, 12),
      body: 'Still there?',
    });
    await enqueueTurn(h.boss, sender);
    await waitFor(() => emulator.messages().length >= 3, { what: 'a few sends' });
    emulator.setFaults({ dropSession: 'default' });

    const session = await waitFor(
      async () => {
        const s = await h.db
          .selectFrom('sessions')
          .selectAll()
          .where('phone_number', '=', sender)
          .executeTakeFirstOrThrow();
        return s.status !== 'CONNECTED' ? s : null;
      },
      { what: 'the session to be seen as not connected' },
    );
    assert.equal(session.status, 'EXPIRED');
    assert.equal(session.waha_status, 'FAILED');
    await waitForLeaseReleased(h.db, sender);
    const sentBefore = emulator.messages().length;
    const rows = await campaignMessages(h.db, campaign.id);
    assert.equal(rows.filter((m) => m.status === 'SENT').length, sentBefore);
    assert.equal(rows.filter((m) => m.status === 'PENDING').length, 12 - sentBefore);
    assert.ok(sentBefore < 12, 'the drop happened mid-campaign');
    await noTurnLeft(sender);

    // Re-paired on the phone; the session reconciler would then mark it CONNECTED.
    await restartSession(emulator, 'default');
    emulator.scan('default', sender);
    await h.db
      .updateTable('sessions')
      .set({ status: 'CONNECTED', waha_status: 'WORKING' })
      .where('phone_number', '=', sender)
      .execute();
    const done = await waitForCampaignDone(h.db, campaign.id);
    assert.equal(done.status, 'COMPLETED');
    const received = emulator.messages().map((m) => digitsOf(m.chatId));
    assert.equal(received.length, 12);
    assert.equal(new Set(received).size, 12);
  });
});

async function restartSession(emulator: RunningEmulator, session: string): Promise<void> {
  const response = await fetch(`${emulator.url}/api/sessions/${session}/restart`, {
    method: 'POST',
    headers: { 'x-api-key': emulator.apiKey ?? '' },
  });
  assert.ok(response.ok, `restart answered ${response.status}`);
  await waitFor(
    () => emulator.sessions().find((s) => s.name === session)?.status === 'SCAN_QR_CODE',
  );
}
