import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideSending,
  drawJitterSeconds,
  nextOpening,
  POLICY_OFF,
  resolvePolicy,
  type SenderPolicy,
  SenderPolicySchema,
  type SendingFacts,
  startOfLocalDay,
} from '../src/index.ts';

const at = (iso: string) => new Date(iso);
const policy = (fields: Partial<SenderPolicy>): SenderPolicy => ({ ...POLICY_OFF, ...fields });
const facts = (fields: Partial<SendingFacts>): SendingFacts => ({
  now: at('2026-03-04T10:00:00Z'),
  sendsLastHour: [],
  sentToday: 0,
  firstConnectedAt: null,
  burstRun: 0,
  lastSentAt: null,
  ...fields,
});
const minutesBefore = (now: Date, minutes: number) => new Date(now.getTime() - minutes * 60_000);

describe('decideSending', () => {
  it('lets everything through when the policy is off', () => {
    assert.deepEqual(decideSending(POLICY_OFF, facts({ sentToday: 1e6 })), {
      state: 'ACTIVE',
      burstRun: 1,
    });
  });

  it('holds at the hourly cap until the oldest send that fills it leaves the rolling hour', () => {
    const now = at('2026-03-04T10:00:00Z');
    const sends = [5, 20, 50].map((m) => minutesBefore(now, m));
    const p = policy({ hourly_cap: 3 });
    assert.deepEqual(decideSending(p, facts({ now, sendsLastHour: sends })), {
      state: 'WAITING',
      reason: 'HOURLY_CAP',
      resumesAt: at('2026-03-04T10:10:00Z'),
    });
    assert.equal(
      decideSending(p, facts({ now, sendsLastHour: sends.slice(0, 2) })).state,
      'ACTIVE',
    );
  });

  it('holds at the daily cap until the next midnight of the policy zone', () => {
    const p = policy({
      daily_cap: 10,
      working_hours: {
        timezone: 'Asia/Tokyo',
        start: '00:00',
        end: '23:59',
        days: [1, 2, 3, 4, 5, 6, 7],
      },
    });
    const decision = decideSending(p, facts({ sentToday: 10 }));
    // 10:00Z is 19:00 in Tokyo; its next midnight is 15:00Z.
    assert.deepEqual(decision, {
      state: 'WAITING',
      reason: 'DAILY_CAP',
      resumesAt: at('2026-03-04T15:00:00Z'),
    });
  });

  it('follows the warm-up by calendar day since the first connection, then the daily cap', () => {
    const p = policy({ daily_cap: 100, warmup: [20, 40, 80, 150] });
    const now = at('2026-03-04T10:00:00Z');
    const connected = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000);
    const hold = (daysAgo: number, sent: number) =>
      decideSending(p, facts({ now, sentToday: sent, firstConnectedAt: connected(daysAgo) }));
    assert.equal(hold(0, 19).state, 'ACTIVE');
    assert.equal((hold(0, 20) as { reason: string }).reason, 'WARMUP');
    assert.equal(hold(1, 39).state, 'ACTIVE');
    assert.equal((hold(1, 40) as { reason: string }).reason, 'WARMUP');
    // Day 3's 150 is above daily_cap: the daily cap binds.
    assert.equal((hold(3, 100) as { reason: string }).reason, 'DAILY_CAP');
    assert.equal((hold(9, 100) as { reason: string }).reason, 'DAILY_CAP');
    assert.equal(hold(9, 99).state, 'ACTIVE');
  });

  it('waits out the burst pause after exactly N in a row, then starts a new run', () => {
    const p = policy({ burst: { size: 3, pause_seconds: 60 } });
    const now = at('2026-03-04T10:00:00Z');
    const lastSentAt = new Date(now.getTime() - 10_000);
    assert.deepEqual(decideSending(p, facts({ now, burstRun: 2, lastSentAt })), {
      state: 'ACTIVE',
      burstRun: 3,
    });
    assert.deepEqual(decideSending(p, facts({ now, burstRun: 3, lastSentAt })), {
      state: 'WAITING',
      reason: 'BURST',
      resumesAt: at('2026-03-04T10:00:50Z'),
    });
    const later = new Date(lastSentAt.getTime() + 60_000);
    assert.deepEqual(decideSending(p, facts({ now: later, burstRun: 3, lastSentAt })), {
      state: 'ACTIVE',
      burstRun: 1,
    });
  });

  it('reports the latest of several holds', () => {
    const now = at('2026-03-04T10:00:00Z');
    const p = policy({ hourly_cap: 1, daily_cap: 1 });
    const decision = decideSending(p, facts({ now, sendsLastHour: [now], sentToday: 1 }));
    assert.equal((decision as { reason: string }).reason, 'DAILY_CAP');
  });
});

describe('working hours', () => {
  const hours = { timezone: 'Europe/Paris', start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5] };

  it('is open inside the window on a listed day, up to a few seconds before it closes', () => {
    const now = at('2026-03-04T10:00:00Z'); // Wednesday 11:00 in Paris
    assert.equal(nextOpening(hours, now), now);
    const closing = at('2026-03-04T18:59:54Z');
    assert.equal(nextOpening(hours, closing), closing);
    assert.deepEqual(nextOpening(hours, at('2026-03-04T18:59:56Z')), at('2026-03-05T08:00:00Z'));
  });

  it('opens at start the same day, the next day, or after the weekend', () => {
    assert.deepEqual(nextOpening(hours, at('2026-03-04T06:00:00Z')), at('2026-03-04T08:00:00Z'));
    assert.deepEqual(nextOpening(hours, at('2026-03-04T19:00:00Z')), at('2026-03-05T08:00:00Z'));
    // Friday 21:00 in Paris: Monday 09:00.
    assert.deepEqual(nextOpening(hours, at('2026-03-06T20:00:00Z')), at('2026-03-09T08:00:00Z'));
  });

  it('follows daylight saving time (Paris moves to UTC+2 on 29 March 2026)', () => {
    assert.deepEqual(nextOpening(hours, at('2026-03-28T12:00:00Z')), at('2026-03-30T07:00:00Z'));
  });

  it('holds a sender outside them with WORKING_HOURS', () => {
    const decision = decideSending(
      policy({ working_hours: hours }),
      facts({ now: at('2026-03-04T19:30:00Z') }),
    );
    assert.deepEqual(decision, {
      state: 'WAITING',
      reason: 'WORKING_HOURS',
      resumesAt: at('2026-03-05T08:00:00Z'),
    });
  });

  it('starts local days at local midnight', () => {
    assert.deepEqual(
      startOfLocalDay(at('2026-03-04T23:30:00Z'), 'Europe/Paris'),
      at('2026-03-04T23:00:00Z'),
    );
    assert.deepEqual(
      startOfLocalDay(at('2026-03-04T12:00:00Z'), 'America/New_York', 1),
      at('2026-03-05T05:00:00Z'),
    );
  });
});

describe('the policy', () => {
  it('inherits each field an override leaves out, and turns off a field set to null', () => {
    const resolved = resolvePolicy(
      { hourly_cap: 50, daily_cap: 300 },
      { daily_cap: null, burst: { size: 5, pause_seconds: 9 } },
    );
    assert.equal(resolved.hourly_cap, 50);
    assert.equal(resolved.daily_cap, null);
    assert.deepEqual(resolved.burst, { size: 5, pause_seconds: 9 });
    assert.equal(resolved.health, null);
  });

  it('draws jitter uniformly in [0, jitter]', () => {
    const p = policy({ delay_jitter_seconds: 10 });
    assert.equal(
      drawJitterSeconds(p, () => 0),
      0,
    );
    assert.equal(
      drawJitterSeconds(p, () => 0.999),
      9.99,
    );
    assert.equal(
      drawJitterSeconds(POLICY_OFF, () => 0.5),
      0,
    );
  });

  it('rejects bad values with a code per rule', () => {
    const codeOf = (input: unknown) => {
      const parsed = SenderPolicySchema.safeParse(input);
      assert.equal(parsed.success, false, JSON.stringify(input));
      const first = parsed.error?.issues[0] as { params?: { code?: string } } | undefined;
      return first?.params?.code ?? 'VALIDATION_FAILED';
    };
    const hours = { timezone: 'UTC', start: '09:00', end: '20:00', days: [1] };
    assert.equal(codeOf({ hourly_cap: -1 }), 'VALUE_TOO_SMALL');
    assert.equal(codeOf({ delay_jitter_seconds: -0.5 }), 'VALUE_TOO_SMALL');
    assert.equal(codeOf({ daily_cap: 1e9 }), 'VALUE_TOO_LARGE');
    assert.equal(
      codeOf({ working_hours: { ...hours, timezone: 'Mars/Olympus' } }),
      'UNKNOWN_TIME_ZONE',
    );
    assert.equal(codeOf({ working_hours: { ...hours, start: '20:00' } }), 'INVALID_WORKING_HOURS');
    assert.equal(codeOf({ working_hours: { ...hours, days: [] } }), 'INVALID_WORKING_HOURS');
    assert.equal(codeOf({ working_hours: { ...hours, start: '25:00' } }), 'VALIDATION_FAILED');
    assert.equal(codeOf({ hourly_cap: 1.5 }), 'VALIDATION_FAILED');
    assert.equal(codeOf({ nope: 1 }), 'VALIDATION_FAILED');
    assert.equal(
      codeOf({
        health: { max_consecutive_failures: 9, max_not_on_whatsapp_ratio: 0.5, window: 5 },
      }),
      'INVALID_HEALTH_RULE',
    );
    assert.equal(
      SenderPolicySchema.safeParse({ working_hours: hours, warmup: [1, 2] }).success,
      true,
    );
  });
});
