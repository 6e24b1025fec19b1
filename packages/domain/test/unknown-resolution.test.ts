import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isRecordOf,
  nextLookupDelaySeconds,
  resolveFromHistory,
  senderHoldSeconds,
} from '../src/index.ts';

const message = {
  body: 'Hello Ana',
  sendingAt: new Date('2026-01-01T10:00:00.000Z'),
  finishedAt: new Date('2026-01-01T10:00:20.000Z'),
};
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const record = (
  over: Partial<{ id: string; timestamp: number; fromMe: boolean; body: string }>,
) => ({
  id: 'true_1@c.us_A',
  timestamp: at('2026-01-01T10:00:10Z'),
  fromMe: true,
  body: 'Hello Ana',
  ...over,
});

test('a record is the call’s when it is from the account, same content, inside the window', () => {
  assert.equal(isRecordOf(message, record({}), 20), true);
  assert.equal(isRecordOf(message, record({ fromMe: false }), 20), false);
  assert.equal(isRecordOf(message, record({ body: 'Hello Bob' }), 20), false);
  assert.equal(isRecordOf(message, record({ timestamp: at('2026-01-01T09:59:00Z') }), 20), false);
  assert.equal(isRecordOf(message, record({ timestamp: at('2026-01-01T10:01:00Z') }), 20), false);
  assert.equal(isRecordOf(message, record({}), 20, new Set(['true_1@c.us_A'])), false);
});

test('the history says SENT, NOT_SENT once settled, or nothing yet', () => {
  const settled = new Date('2026-01-01T10:00:41Z');
  const early = new Date('2026-01-01T10:00:30Z');
  assert.deepEqual(resolveFromHistory(message, [record({})], { now: early, settleSeconds: 20 }), {
    kind: 'SENT',
    wahaMessageId: 'true_1@c.us_A',
  });
  assert.deepEqual(resolveFromHistory(message, [], { now: early, settleSeconds: 20 }), {
    kind: 'UNSETTLED',
  });
  assert.deepEqual(
    resolveFromHistory(message, [record({ body: 'other' })], { now: settled, settleSeconds: 20 }),
    { kind: 'NOT_SENT' },
  );
});

test('the breaker holds the sender after an UNKNOWN only; lookups back off from the resolve interval to a minute', () => {
  assert.equal(senderHoldSeconds({ kind: 'UNKNOWN', code: 'TIMEOUT', error: 'x' }, 60), 60);
  assert.equal(senderHoldSeconds({ kind: 'SENT', wahaMessageId: null }, 60), 0);
  // A retry waits on its own message (`retryFloorSeconds`), never on the sender.
  assert.equal(
    senderHoldSeconds({ kind: 'RETRY', code: 'X', error: 'x', backoffSeconds: 3 }, 60),
    0,
  );
  assert.equal(nextLookupDelaySeconds(1, 5), 5);
  assert.equal(nextLookupDelaySeconds(3, 5), 20);
  assert.equal(nextLookupDelaySeconds(20, 5), 60);
  // An interval of 0 (resolve continuously) still waits a second between asks.
  assert.equal(nextLookupDelaySeconds(1, 0), 1);
});
