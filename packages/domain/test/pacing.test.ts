import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextTurnAt, retryBackoffSeconds, workerDueAt } from '../src/index.ts';

const backoff = { baseSeconds: 2, maxSeconds: 60 };
const at = (seconds: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + seconds * 1000);

describe('pacing rules', () => {
  it('doubles the retry backoff per attempt up to its cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => retryBackoffSeconds(n, backoff)),
      [2, 4, 8, 16, 32, 60, 60],
    );
    assert.equal(retryBackoffSeconds(0, backoff), 2, 'never below the base');
    assert.equal(retryBackoffSeconds(1000, backoff), 60, 'no overflow for huge attempt counts');
  });

  it('ignores the worker when the switch delay is zero', () => {
    const due = workerDueAt({
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
    const due = workerDueAt(facts);
    assert.equal(due?.reason, 'SENDER_SWITCH');
    assert.ok(due && due.at.getTime() >= at(0.5).getTime());
    assert.ok(due && due.at.getTime() <= at(0.5).getTime() + 1, 'rounded up by at most 1 ms');
    assert.equal(workerDueAt({ ...facts, lastSenderNumber: '1' }), null, 'no switch, no wait');
    assert.equal(workerDueAt({ ...facts, now: at(0.502) }), null, 'the delay has passed');
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
    const due = workerDueAt(facts);
    assert.equal(due?.reason, 'WORKER_BUSY');
    assert.ok(due && due.at.getTime() >= at(0.2).getTime() && due.at.getTime() < at(1).getTime());
    assert.equal(workerDueAt({ ...facts, inflightUntil: at(-1) }), null);
    assert.equal(workerDueAt({ ...facts, inflightSenderNumber: '1' }), null, 'its own send');
  });

  it('looks again no later than the lease of the sender in flight ends', () => {
    const due = workerDueAt({
      now: at(0),
      senderNumber: '1',
      switchDelaySeconds: 5,
      lastSenderNumber: null,
      lastSendDoneAt: null,
      inflightSenderNumber: '2',
      inflightUntil: at(1),
    });
    assert.deepEqual(due, { at: at(1), reason: 'WORKER_BUSY' });
  });

  it('queues the next turn at the due time, but never more than one turn ahead', () => {
    assert.deepEqual(nextTurnAt(at(5), at(0), 30), at(5));
    assert.deepEqual(nextTurnAt(at(300), at(0), 30), at(30));
  });
});
