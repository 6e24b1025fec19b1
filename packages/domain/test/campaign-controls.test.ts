import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CAMPAIGN_STATUSES,
  type CampaignControl,
  type CampaignStatus,
  campaignTransition,
  isRetryableFailure,
  latestSendAt,
} from '../src/index.ts';

const running = { scheduledAhead: false, started: true };
const fresh = { scheduledAhead: false, started: false };
const to = (control: CampaignControl, from: CampaignStatus, facts = running) => {
  const t = campaignTransition(control, from, facts);
  return t.ok ? t.to : null;
};

describe('campaignTransition', () => {
  test('pauses a pending, scheduled or running campaign, and a paused one again', () => {
    for (const from of ['PENDING', 'SCHEDULED', 'IN_PROGRESS', 'PAUSED'] as const) {
      assert.equal(to('pause', from), 'PAUSED', from);
    }
    assert.deepEqual(campaignTransition('pause', 'PAUSED', running), {
      ok: true,
      to: 'PAUSED',
      changed: false,
    });
  });

  test('refuses to pause a finished or cancelled campaign', () => {
    for (const from of ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED'] as const) {
      assert.deepEqual(campaignTransition('pause', from, running), { ok: false, from });
    }
  });

  test('resumes to the schedule, to where it stopped, or to its start', () => {
    assert.equal(to('resume', 'PAUSED', { scheduledAhead: true, started: false }), 'SCHEDULED');
    assert.equal(to('resume', 'PAUSED', running), 'IN_PROGRESS');
    assert.equal(to('resume', 'PAUSED', fresh), 'PENDING');
    assert.equal(to('resume', 'IN_PROGRESS'), 'IN_PROGRESS');
    for (const from of ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED'] as const) {
      assert.equal(to('resume', from), null, from);
    }
  });

  test('cancels anything not finished; a cancelled campaign stays cancelled', () => {
    for (const from of ['PENDING', 'SCHEDULED', 'IN_PROGRESS', 'PAUSED', 'CANCELLED'] as const) {
      assert.equal(to('cancel', from), 'CANCELLED', from);
    }
    assert.equal(to('cancel', 'COMPLETED'), null);
    assert.equal(to('cancel', 'COMPLETED_WITH_ERRORS'), null);
  });

  test('retry reopens a campaign with errors only when it re-queued something', () => {
    const requeued = (n: number) => ({ ...running, requeued: n });
    assert.equal(to('retry', 'COMPLETED_WITH_ERRORS', requeued(3)), 'IN_PROGRESS');
    assert.equal(to('retry', 'COMPLETED_WITH_ERRORS', requeued(0)), 'COMPLETED_WITH_ERRORS');
    assert.equal(to('retry', 'PAUSED', requeued(2)), 'PAUSED');
    assert.equal(to('retry', 'IN_PROGRESS', requeued(2)), 'IN_PROGRESS');
    for (const from of ['PENDING', 'SCHEDULED', 'COMPLETED', 'CANCELLED'] as const) {
      assert.equal(to('retry', from), null, from);
    }
  });

  test('never leads to a status outside the vocabulary', () => {
    for (const control of ['pause', 'resume', 'cancel', 'retry'] as const) {
      for (const from of CAMPAIGN_STATUSES) {
        const t = campaignTransition(control, from, running);
        if (t.ok) assert.ok(CAMPAIGN_STATUSES.includes(t.to));
      }
    }
  });
});

test('a retry skips failures a new attempt cannot change', () => {
  for (const code of ['NOT_ON_WHATSAPP', 'BAD_REQUEST', 'PLUS_ONLY', 'NOT_IMPLEMENTED']) {
    assert.equal(isRetryableFailure(code), false, code);
  }
  for (const code of ['TIMEOUT', 'SERVER_ERROR', 'CONNECTION_RESET', 'DISPATCH_ERROR', null]) {
    assert.equal(isRetryableFailure(code), true, String(code));
  }
});

test('send_at may be up to one calendar year ahead', () => {
  assert.equal(
    latestSendAt(new Date('2024-02-29T10:00:00Z')).toISOString(),
    '2025-03-01T10:00:00.000Z',
  );
  assert.equal(
    latestSendAt(new Date('2026-12-01T11:00:00Z')).toISOString(),
    '2027-12-01T11:00:00.000Z',
  );
});
