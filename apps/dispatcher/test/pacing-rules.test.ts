import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPacingRules, retryBackoffSeconds } from '../src/pacing.ts';

const backoff = { baseSeconds: 2, maxSeconds: 60 };
const rules = createPacingRules(backoff);
const at = (seconds: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + seconds * 1000);

describe('pacing rules', () => {
  it('doubles the retry backoff per attempt up to its cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => retryBackoffSeconds(n, backoff)),
      [2, 4, 8, 16, 32, 60, 60],
    );
  });

  it('lets a sender that never sent go at once', () => {
    const due = rules.senderDueAt({
      now: at(0),
      messageDelaySeconds: 5,
      lastSentAt: null,
      attempts: 0,
    });
    assert.equal(due, null);
  });

  it('holds a sender until MESSAGE_DELAY after the end of its last call', () => {
    const due = rules.senderDueAt({
      now: at(1),
      messageDelaySeconds: 1.5,
      lastSentAt: at(0),
      attempts: 0,
    });
    assert.equal(due?.reason, 'MESSAGE_DELAY');
    assert.ok(due && due.at.getTime() >= at(1.5).getTime());
    assert.equal(
      rules.senderDueAt({ now: at(1.6), messageDelaySeconds: 1.5, lastSentAt: at(0), attempts: 0 }),
      null,
    );
  });

  it('holds a retry for its backoff when that is longer than the delay', () => {
    const due = rules.senderDueAt({
      now: at(1),
      messageDelaySeconds: 0.5,
      lastSentAt: at(0),
      attempts: 2,
    });
    assert.equal(due?.reason, 'RETRY_BACKOFF');
    assert.ok(due && due.at.getTime() >= at(4).getTime());
  });

  it('ignores the worker when the switch delay is zero', () => {
    const due = rules.workerDueAt({
      now: at(0),
      senderNumber: '1',
      switchDelaySeconds: 0,
      lastSenderNumber: '2',
      lastSendDoneAt: at(0),
      inflightSenderNumber: '2',
      inflightUntil: at(10),
    });
    assert.equal(due, null);
  });

  it('waits SENDER_SWITCH_DELAY after another sender last used the worker', () => {
    const facts = {
      now: at(0.1),
      senderNumber: '1',
      switchDelaySeconds: 0.5,
      lastSenderNumber: '2',
      lastSendDoneAt: at(0),
      inflightSenderNumber: null,
      inflightUntil: null,
    };
    const due = rules.workerDueAt(facts);
    assert.equal(due?.reason, 'SENDER_SWITCH');
    assert.ok(due && due.at.getTime() >= at(0.5).getTime());
    assert.equal(
      rules.workerDueAt({ ...facts, lastSenderNumber: '1' }),
      null,
      'no switch, no wait',
    );
  });

  it('waits while another sender is in flight on the worker, unless its lease lapsed', () => {
    const facts = {
      now: at(0),
      senderNumber: '1',
      switchDelaySeconds: 0.2,
      lastSenderNumber: null,
      lastSendDoneAt: null,
      inflightSenderNumber: '2',
      inflightUntil: at(30),
    };
    const due = rules.workerDueAt(facts);
    assert.equal(due?.reason, 'WORKER_BUSY');
    assert.ok(due && due.at.getTime() >= at(0.2).getTime() && due.at.getTime() < at(1).getTime());
    assert.equal(rules.workerDueAt({ ...facts, inflightUntil: at(-1) }), null);
  });
});
