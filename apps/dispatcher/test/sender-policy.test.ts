import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bringTurnsForward, replacePolicyOverride } from '@herald/db';
import {
  campaignMessages,
  enqueueTurn,
  makeCampaign,
  type RunningProcess,
  recipients,
  setSenderPolicy,
  turnJobs,
  waitFor,
  waitForCampaignDone,
  waitForCampaignExact,
} from '@herald/testing';
import { MESSAGE_STORE_CONFIG } from '@herald/waha';
import { sql } from 'kysely';
import {
  acceptedMs,
  createSafetyWorld,
  ENV,
  gapsMs,
  MESSAGE_DELAY,
  type SafetyWorld,
} from './safety-support.ts';

// Each limit of the sender policy, enforced by three dispatcher processes sharing Postgres (one
// of them SIGKILLed mid-run), counted from what the emulator accepted.

const JITTER = 1.5;
// Well above the scheduling noise of a loaded machine, so only a burst pause splits a run.
const BURST_PAUSE = 8;

describe('sender policy limits across three dispatcher processes', () => {
  let w: SafetyWorld;
  before(async () => {
    w = await createSafetyWorld('limits');
  });
  after(() => w.h.close());

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
      [S.burst]: { burst: { size: 3, pause_seconds: BURST_PAUSE } },
      [S.jitter]: { delay_jitter_seconds: JITTER },
    };
    // With NOWEB's store, as Herald creates sessions: a message the kill catches is resolved.
    for (const sender of Object.values(S)) {
      await w.h.connectSender(w.emulator, sender, MESSAGE_STORE_CONFIG);
    }
    // The daily sender connected long ago: its warm-up is over and daily_cap alone applies.
    await w.h.db
      .updateTable('senders')
      .set({ first_connected_at: new Date(Date.now() - 30 * 86_400_000) })
      .where('phone_number', '=', S.daily)
      .execute();
    // In force before the first claim.
    await setSenderPolicy(w.h.db, {}, overrides);
    const campaigns = {
      hourly: await w.start(S.hourly, 12, 21671000000),
      warmup: await w.start(S.warmup, 8, 21672000000),
      daily: await w.start(S.daily, 8, 21673000000),
      burst: await w.start(S.burst, 9, 21674000000),
      jitter: await w.start(S.jitter, 12, 21675000000),
    };

    // Mid-run, one process dies; the others take its senders over after the lease.
    await waitFor(() => w.sentBy(S.burst).length >= 2, { timeoutMs: 30_000, what: 'burst sends' });
    const victim = w.processes.shift() as RunningProcess;
    await victim.kill();
    assert.equal(victim.child.signalCode, 'SIGKILL');
    w.processes.push(await w.h.process('safe-4', ENV));

    // Caps: exactly the cap handed to WAHA, the rest PENDING, the sender waiting with its reason.
    const hourly = await w.waitingOn(S.hourly, 'HOURLY_CAP');
    assert.equal(await w.handOffs(S.hourly), 5);
    assert.ok(w.sentBy(S.hourly).length <= 5);
    const first = await w.h.db
      .selectFrom('sender_sends')
      .select('sent_at')
      .where('sender_number', '=', S.hourly)
      .orderBy('sent_at')
      .executeTakeFirstOrThrow();
    assert.equal(hourly.resumes_at.getTime(), first.sent_at.getTime() + 3_600_000);
    // Nobody spins on it: its one queued turn starts when the hold ends.
    const queued = (await turnJobs(w.h.boss)).filter(
      (job) => job.singletonKey === S.hourly && job.state === 'created',
    );
    assert.equal(queued.length, 1);
    assert.ok(Math.abs((queued[0]?.startAfter.getTime() ?? 0) - hourly.resumes_at.getTime()) < 5);

    const warmup = await w.waitingOn(S.warmup, 'WARMUP');
    assert.equal(await w.handOffs(S.warmup), 3);
    assert.ok(w.sentBy(S.warmup).length <= 3);
    const daily = await w.waitingOn(S.daily, 'DAILY_CAP');
    assert.equal(await w.handOffs(S.daily), 4);
    const midnight = new Date(new Date().toISOString().slice(0, 10));
    for (const state of [warmup, daily]) {
      assert.equal(state.resumes_at.getTime(), midnight.getTime() + 86_400_000);
    }
    for (const [name, left] of [
      ['hourly', 7],
      ['warmup', 5],
      ['daily', 4],
    ] as const) {
      const rows = await campaignMessages(w.h.db, campaigns[name].id);
      assert.equal(rows.filter((r) => r.status === 'PENDING').length, left, name);
      assert.equal(rows.filter((r) => r.status === 'FAILED').length, 0, name);
    }

    // An hour passes for the hourly sender (its hand-offs move back): exactly 5 more go.
    await w.h.db
      .updateTable('sender_sends')
      .set({ sent_at: sql`sent_at - interval '1 hour'` })
      .where('sender_number', '=', S.hourly)
      .execute();
    await w.h.db
      .transaction()
      .execute((trx) => replacePolicyOverride(trx, S.hourly, overrides[S.hourly] ?? {}));
    await bringTurnsForward(w.h.boss, [S.hourly]);
    await w.waitingOn(S.hourly, 'HOURLY_CAP');
    assert.equal(await w.handOffs(S.hourly), 10);

    // Bursts: runs of exactly 3, each followed by the pause; jitter: gaps in [delay, delay + 0.6].
    await waitForCampaignDone(w.h.db, campaigns.burst.id, 60_000);
    // A message the kill caught in flight is resolved from WAHA's record first (and sent again
    // if it had not gone), so every one of the 12 ends SENT exactly once.
    await waitForCampaignExact(w.h.db, campaigns.jitter.id, 60_000);
    // A run is the sends between pauses (the take-over after the kill is shorter than one).
    const burstGaps = gapsMs(w.sentBy(S.burst));
    const runs = [1];
    for (const gap of burstGaps) {
      if (gap >= BURST_PAUSE * 1000) runs.push(1);
      else runs[runs.length - 1] = (runs.at(-1) ?? 0) + 1;
    }
    const what = `runs ${runs.join(', ')} (gaps ${burstGaps.join(', ')})`;
    assert.ok(
      runs.every((run) => run <= 3),
      what,
    );
    // [3, 3, 3] unless the take-over after the kill outlasted a pause (it then starts a run).
    assert.ok(runs.filter((run) => run === 3).length >= 2, what);
    // The gap each claim waited, by the database's clock: from the end of the previous call (its
    // outcome) to the next claim. Never below the delay; above delay + jitter only by scheduling
    // (a sleep's wake-up, a turn handed to another process), so most gaps are within it.
    assert.equal(w.sentBy(S.jitter).length, 12);
    // In the order they went out: a message sent again after the kill went out after later ones.
    const ledger = (await campaignMessages(w.h.db, campaigns.jitter.id)).sort(
      (a, b) => (a.sending_at?.getTime() ?? 0) - (b.sending_at?.getTime() ?? 0),
    );
    const jitterGaps = ledger
      .slice(1)
      .map((m, i) => (m.sending_at?.getTime() ?? 0) - (ledger[i]?.finished_at?.getTime() ?? 0));
    const list = jitterGaps.join(', ');
    for (const gap of jitterGaps) assert.ok(gap >= MESSAGE_DELAY * 1000, `gap ${gap} of ${list}`);
    const within = jitterGaps.filter((gap) => gap <= (MESSAGE_DELAY + JITTER) * 1000 + 100);
    assert.ok(within.length >= 8, `most gaps within delay + jitter: ${list}`);
    assert.ok(Math.max(...within) - Math.min(...within) > 300, `not constant: ${list}`);
    const drawn = await w.h.db
      .selectFrom('senders')
      .select('jitter_seconds')
      .where('phone_number', '=', S.jitter)
      .executeTakeFirstOrThrow();
    assert.ok(Number(drawn.jitter_seconds) >= 0 && Number(drawn.jitter_seconds) <= JITTER);
  });

  it('sends nothing outside working hours', async () => {
    const sender = '21620000511';
    await w.h.connectSender(w.emulator, sender);
    const campaign = await makeCampaign(w.h.db, {
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
    await setSenderPolicy(w.h.db, {}, { [sender]: { working_hours: hours } });
    await enqueueTurn(w.h.boss, sender);
    const state = await w.waitingOn(sender, 'WORKING_HOURS');
    const sent = w.sentBy(sender);
    assert.ok(sent.length > 0, 'it sent while the window was open');
    for (const m of sent) assert.ok(acceptedMs(m) < endMs, `${m.acceptedAt} is after ${hours.end}`);
    assert.equal(state.resumes_at.toISOString().slice(11), '00:00:00.000Z');
    const rows = await campaignMessages(w.h.db, campaign.id);
    assert.equal(rows.filter((r) => r.status === 'PENDING').length, 200 - sent.length);
  });
});
