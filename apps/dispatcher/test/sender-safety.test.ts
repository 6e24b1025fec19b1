import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  addSuppression,
  bringTurnsForward,
  readSendingState,
  replacePolicyOverride,
  resumeSender,
} from '@herald/db';
import {
  campaignMessages,
  digitsOf,
  enqueueTurn,
  makeCampaign,
  type RunningProcess,
  recipients,
  setDelaySettings,
  setSenderPolicy,
  turnJobs,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import type { AcceptedMessage, RunningEmulator } from '@herald/waha-emulator';
import { sql } from 'kysely';
import { createHarness, type Harness } from './harness.ts';

// Each rule of the sender policy, enforced by three dispatcher processes sharing Postgres (one
// of them SIGKILLed mid-run): counted from what the emulator accepted.

const MESSAGE_DELAY = 0.1;
const JITTER = 1.5;
const ENV = { TURN_SECONDS: '2', LEASE_SECONDS: '4', SEND_TIMEOUT_MS: '3000' };

const acceptedMs = (m: AcceptedMessage) => Date.parse(m.acceptedAt);
const gapsMs = (sent: AcceptedMessage[]) =>
  sent.slice(1).map((m, i) => acceptedMs(m) - acceptedMs(sent[i] as AcceptedMessage));

describe('sender safety across three dispatcher processes', () => {
  let h: Harness;
  let emulator: RunningEmulator;
  const processes: RunningProcess[] = [];
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: MESSAGE_DELAY, senderSwitchDelay: 0 });
    await setSenderPolicy(h.db, {});
    emulator = await h.emulator({ tier: 'PLUS', ackDelaysMs: [50, 100, 150] });
    for (const id of ['safe-1', 'safe-2', 'safe-3']) processes.push(await h.process(id, ENV));
  });
  after(() => h.close());

  const sentBy = (sender: string) =>
    emulator
      .messages()
      .filter((m) => m.session === sender)
      .sort((a, b) => a.acceptedAt.localeCompare(b.acceptedAt));
  const handOffs = async (sender: string) =>
    Number(
      (
        await h.db
          .selectFrom('sender_sends')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('sender_number', '=', sender)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const start = async (sender: string, count: number, base: number) => {
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: recipients(base, count),
      body: `from ${sender}`,
    });
    await enqueueTurn(h.boss, sender);
    return campaign;
  };
  const waitingOn = (sender: string, reason: string) =>
    waitFor(
      async () => {
        const state = await readSendingState(h.db, sender);
        const lease = await h.db
          .selectFrom('senders')
          .select('lease_owner')
          .where('phone_number', '=', sender)
          .executeTakeFirstOrThrow();
        return state?.state === 'WAITING' && state.reason === reason && !lease.lease_owner
          ? state
          : null;
      },
      { timeoutMs: 30_000, what: `${sender} to wait on ${reason}` },
    );

  it('never exceeds caps or the warm-up, pauses after exactly N in a row, and jitters gaps', async () => {
    const S = {
      hourly: '21620000501',
      warmup: '21620000502',
      daily: '21620000503',
      burst: '21620000504',
      jitter: '21620000505',
    };
    const overrides = {
      [S.hourly]: { hourly_cap: 5 },
      [S.warmup]: { warmup: [3, 50], daily_cap: 100 },
      [S.daily]: { warmup: [3, 50], daily_cap: 4 },
      [S.burst]: { burst: { size: 3, pause_seconds: 2.5 } },
      [S.jitter]: { delay_jitter_seconds: JITTER },
    };
    for (const sender of Object.values(S)) await h.connectSender(emulator, sender);
    const campaigns = {
      hourly: await start(S.hourly, 12, 21671000000),
      warmup: await start(S.warmup, 8, 21672000000),
      daily: await start(S.daily, 8, 21673000000),
      burst: await start(S.burst, 9, 21674000000),
      jitter: await start(S.jitter, 12, 21675000000),
    };
    // The daily sender connected long ago: its warm-up is over and daily_cap alone applies.
    await h.db
      .updateTable('senders')
      .set({ first_connected_at: new Date(Date.now() - 30 * 86_400_000) })
      .where('phone_number', '=', S.daily)
      .execute();
    await setSenderPolicy(h.db, {}, overrides);

    // Mid-run, one process dies; the others take its senders over after the lease.
    await waitFor(() => sentBy(S.burst).length >= 2, { timeoutMs: 30_000, what: 'burst sends' });
    const victim = processes.shift() as RunningProcess;
    await victim.kill();
    assert.equal(victim.child.signalCode, 'SIGKILL');
    processes.push(await h.process('safe-4', ENV));

    // Caps: exactly the cap handed to WAHA, the rest PENDING, the sender waiting with its reason.
    const hourly = await waitingOn(S.hourly, 'HOURLY_CAP');
    assert.equal(await handOffs(S.hourly), 5);
    assert.ok(sentBy(S.hourly).length <= 5);
    const first = await h.db
      .selectFrom('sender_sends')
      .select('sent_at')
      .where('sender_number', '=', S.hourly)
      .orderBy('sent_at')
      .executeTakeFirstOrThrow();
    assert.equal(hourly.resumes_at.getTime(), first.sent_at.getTime() + 3_600_000);
    // Nobody spins on it: its one queued turn starts when the hold ends.
    const queued = (await turnJobs(h.boss)).filter(
      (job) => job.singletonKey === S.hourly && job.state === 'created',
    );
    assert.equal(queued.length, 1);
    assert.ok(Math.abs((queued[0]?.startAfter.getTime() ?? 0) - hourly.resumes_at.getTime()) < 5);

    const warmup = await waitingOn(S.warmup, 'WARMUP');
    assert.equal(await handOffs(S.warmup), 3);
    assert.ok(sentBy(S.warmup).length <= 3);
    const daily = await waitingOn(S.daily, 'DAILY_CAP');
    assert.equal(await handOffs(S.daily), 4);
    const midnight = new Date(new Date().toISOString().slice(0, 10));
    for (const state of [warmup, daily]) {
      assert.equal(state.resumes_at.getTime(), midnight.getTime() + 86_400_000);
    }
    for (const [name, left] of [
      ['hourly', 7],
      ['warmup', 5],
      ['daily', 4],
    ] as const) {
      const rows = await campaignMessages(h.db, campaigns[name].id);
      assert.equal(rows.filter((r) => r.status === 'PENDING').length, left, name);
      assert.equal(rows.filter((r) => r.status === 'FAILED').length, 0, name);
    }

    // An hour passes for the hourly sender (its hand-offs move back): exactly 5 more go.
    await h.db
      .updateTable('sender_sends')
      .set({ sent_at: sql`sent_at - interval '1 hour'` })
      .where('sender_number', '=', S.hourly)
      .execute();
    await replacePolicyOverride(h.db, S.hourly, overrides[S.hourly] ?? {});
    await bringTurnsForward(h.boss, [S.hourly]);
    await waitingOn(S.hourly, 'HOURLY_CAP');
    assert.equal(await handOffs(S.hourly), 10);

    // Bursts: runs of exactly 3, each followed by the pause; jitter: gaps in [delay, delay + 0.6].
    await waitForCampaignDone(h.db, campaigns.burst.id, 60_000);
    await waitForCampaignDone(h.db, campaigns.jitter.id, 60_000);
    // A run is the sends between pauses. The killed process may have held this sender: its
    // take-over after the lease is itself a pause, which rightly starts a new run.
    const burstGaps = gapsMs(sentBy(S.burst));
    const runs = [1];
    for (const gap of burstGaps) {
      if (gap >= 2500) runs.push(1);
      else runs[runs.length - 1] = (runs.at(-1) ?? 0) + 1;
    }
    const what = `runs ${runs.join(', ')} (gaps ${burstGaps.join(', ')})`;
    assert.ok(
      runs.every((run) => run <= 3),
      what,
    );
    assert.ok(runs.filter((run) => run === 3).length >= 2, what);
    // The gap each claim waited, by the database's clock: from the end of the previous call (its
    // outcome) to the next claim. Never below the delay; above delay + jitter only by scheduling
    // (a sleep's wake-up, a turn handed to another process), so most gaps are within it.
    assert.equal(sentBy(S.jitter).length, 12);
    const ledger = await campaignMessages(h.db, campaigns.jitter.id);
    const jitterGaps = ledger
      .slice(1)
      .map((m, i) => (m.sending_at?.getTime() ?? 0) - (ledger[i]?.finished_at?.getTime() ?? 0));
    const list = jitterGaps.join(', ');
    for (const gap of jitterGaps) assert.ok(gap >= MESSAGE_DELAY * 1000, `gap ${gap} of ${list}`);
    const within = jitterGaps.filter((gap) => gap <= (MESSAGE_DELAY + JITTER) * 1000 + 100);
    assert.ok(within.length >= 8, `most gaps within delay + jitter: ${list}`);
    assert.ok(Math.max(...within) - Math.min(...within) > 300, `not constant: ${list}`);
    const drawn = await h.db
      .selectFrom('senders')
      .select('jitter_seconds')
      .where('phone_number', '=', S.jitter)
      .executeTakeFirstOrThrow();
    assert.ok(Number(drawn.jitter_seconds) >= 0 && Number(drawn.jitter_seconds) <= JITTER);
  });

  it('sends nothing outside working hours', async () => {
    const sender = '21620000511';
    await h.connectSender(emulator, sender);
    const campaign = await makeCampaign(h.db, {
      sender,
      recipients: recipients(21676000000, 200),
      body: 'in hours',
    });
    // A window closing ten seconds from now (UTC, to the second), unless that crosses midnight;
    // sends stop CLOSING_MARGIN_SECONDS before, so each reaches WAHA inside the window.
    const now = new Date();
    const end = new Date(now.getTime() + 10_000);
    if (end.getUTCDate() !== now.getUTCDate()) return;
    const hhmmss = (d: Date) => d.toISOString().slice(11, 19);
    const hours = {
      timezone: 'UTC',
      start: '00:00',
      end: hhmmss(end),
      days: [1, 2, 3, 4, 5, 6, 7],
    };
    const endMs = Date.parse(`${end.toISOString().slice(0, 10)}T${hours.end}Z`);
    await setSenderPolicy(h.db, {}, { [sender]: { working_hours: hours } });
    await enqueueTurn(h.boss, sender);
    const state = await waitingOn(sender, 'WORKING_HOURS');
    const sent = sentBy(sender);
    assert.ok(sent.length > 0, 'it sent while the window was open');
    for (const m of sent) assert.ok(acceptedMs(m) < endMs, `${m.acceptedAt} is after ${hours.end}`);
    assert.equal(state.resumes_at.toISOString().slice(11), '00:00:00.000Z');
    const rows = await campaignMessages(h.db, campaign.id);
    assert.equal(rows.filter((r) => r.status === 'PENDING').length, 200 - sent.length);
  });

  it('pauses after exactly N consecutive failures, fails nothing else, and resumes on demand', async () => {
    const sender = '21620000521';
    const to = recipients(21677000000, 10);
    // Messages 3, 4 and 5 go to numbers that are not on WhatsApp.
    emulator.setFaults({ notOnWhatsApp: to.slice(2, 5) });
    const health = { max_consecutive_failures: 3, max_not_on_whatsapp_ratio: 1, window: 10 };
    await h.connectSender(emulator, sender);
    await setSenderPolicy(h.db, {}, { [sender]: { health } });
    const campaign = await makeCampaign(h.db, { sender, recipients: to, body: 'hi' });
    await enqueueTurn(h.boss, sender);
    const paused = await waitFor(
      async () => {
        const state = await readSendingState(h.db, sender);
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
    const rows = await campaignMessages(h.db, campaign.id);
    assert.deepEqual(
      rows.map((r) => r.status),
      ['SENT', 'SENT', 'FAILED', 'FAILED', 'FAILED', ...Array(5).fill('PENDING')],
    );
    assert.equal(await resumeSender(h.db, sender), true);
    await enqueueTurn(h.boss, sender);
    const done = await waitForCampaignDone(h.db, campaign.id, 30_000);
    assert.equal(done.sent_messages, 7);
    assert.equal(done.failed_messages, 3);
  });

  it('pauses a sender banned mid-campaign with HEALTH, leaving its messages PENDING', async () => {
    const sender = '21620000531';
    const health = { max_consecutive_failures: 5, max_not_on_whatsapp_ratio: 0.5, window: 20 };
    await h.connectSender(emulator, sender);
    await setSenderPolicy(h.db, {}, { [sender]: { health } });
    const campaign = await start(sender, 30, 21678000000);
    await waitFor(() => sentBy(sender).length >= 3, { what: 'a few sends' });
    const banned = await fetch(`${emulator.url}/_emulator/sessions/${sender}/ban`, {
      method: 'POST',
    });
    assert.equal(banned.status, 200);
    const paused = await waitFor(
      async () => {
        const state = await readSendingState(h.db, sender);
        return state?.reason === 'HEALTH' ? state : null;
      },
      { timeoutMs: 30_000, what: 'the pause after the ban' },
    );
    assert.deepEqual(paused.details, { rule: 'SESSION_LOGGED_OUT', waha_status: 'FAILED' });
    const rows = await campaignMessages(h.db, campaign.id);
    assert.equal(rows.filter((r) => r.status === 'FAILED').length, 0);
    assert.equal(rows.filter((r) => r.status === 'SENT').length, sentBy(sender).length);
    assert.equal(rows.filter((r) => r.status === 'PENDING').length, 30 - sentBy(sender).length);
  });

  it('stops the remaining messages to a recipient who opts out mid-campaign', async () => {
    const sender = '21620000541';
    const quitter = '21679000000';
    await h.connectSender(emulator, sender);
    await setSenderPolicy(h.db, {}, { [sender]: { burst: { size: 2, pause_seconds: 1 } } });
    // Three campaigns, each to the quitter and two others.
    const campaigns = [];
    for (let i = 0; i < 3; i += 1) {
      const to = [quitter, ...recipients(21679000010 + i * 10, 2)];
      campaigns.push(await makeCampaign(h.db, { sender, recipients: to, body: `c${i}` }));
    }
    await enqueueTurn(h.boss, sender);
    await waitFor(() => sentBy(sender).some((m) => digitsOf(m.chatId) === quitter), {
      what: 'the first message to the quitter',
    });
    // What the gateway records when WAHA delivers the STOP reply (see the API's tests).
    await addSuppression(h.db, { senderNumber: sender, recipient: quitter, source: 'OPT_OUT' });
    for (const campaign of campaigns) await waitForCampaignDone(h.db, campaign.id, 30_000);
    const toQuitter = sentBy(sender).filter((m) => digitsOf(m.chatId) === quitter);
    assert.equal(toQuitter.length, 1);
    const rows = (await Promise.all(campaigns.map((c) => campaignMessages(h.db, c.id)))).flat();
    const quitterRows = rows.filter((r) => r.recipient === quitter).map((r) => r.status);
    assert.deepEqual(quitterRows, ['SENT', 'SUPPRESSED', 'SUPPRESSED']);
    const last = await h.db
      .selectFrom('campaigns')
      .select(['status', 'suppressed_messages', 'sent_messages'])
      .where('id', '=', campaigns[2]?.id ?? 0)
      .executeTakeFirstOrThrow();
    assert.deepEqual(last, { status: 'COMPLETED', suppressed_messages: 1, sent_messages: 2 });
  });
});
