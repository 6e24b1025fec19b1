import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DispatchOutcome } from '@herald/domain';
import { sql } from 'kysely';
import { recordOutcome } from '../src/queries/record-outcome.ts';
import { recordProbe } from '../src/queries/workers.ts';
import {
  createTestDatabase,
  makeConnectedSender,
  makeWorker,
  type TestDatabase,
} from '../src/testing/index.ts';
import { nextSender } from './support.ts';

// The worker circuit breaker on the worker's row: counted by every dispatcher alike, in a window,
// held through its cool-down, and half-open once a probe brings the worker back.

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.drop());

const TIMEOUT: DispatchOutcome = { kind: 'UNKNOWN', code: 'TIMEOUT', error: 'timed out' };
const SENT: DispatchOutcome = { kind: 'SENT', wahaMessageId: 'true_x@c.us_1' };
const ANSWERED = { healthy: true, tier: 'PLUS', engine: 'NOWEB', version: '2025.1' } as const;

async function workerWithSenders(count: number) {
  const worker = await makeWorker(t.db, { tier: 'PLUS' });
  const senders: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const phone = nextSender();
    await makeConnectedSender(t.db, phone, { worker });
    senders.push(phone);
  }
  return { worker, senders };
}

/** An outcome as a dispatcher records it; the message id matches nothing, the worker is updated. */
const recordFor = (
  workerId: number,
  senderNumber: string,
  outcome: DispatchOutcome,
  workerBreaker = { threshold: 3, windowSeconds: 60, cooldownSeconds: 30 },
) =>
  recordOutcome(t.db, {
    messageId: -1,
    senderNumber,
    workerId,
    owner: 'none',
    outcome,
    workerBreaker,
  });

const breakerOf = (id: number) =>
  t.db
    .selectFrom('workers')
    .select([
      'healthy',
      'breaker_failures',
      'degraded_until',
      'last_error',
      sql<boolean>`next_probe_at > now() + interval '20 seconds'`.as('probe_after_cooldown'),
    ])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

test('failures recorded at once by many dispatchers are all counted, and trip the worker once', async () => {
  const { worker, senders } = await workerWithSenders(6);
  const settings = { threshold: 6, windowSeconds: 60, cooldownSeconds: 30 };
  const results = await Promise.all(senders.map((s) => recordFor(worker.id, s, TIMEOUT, settings)));
  assert.equal(results.filter((r) => r.workerDegraded).length, 1, 'exactly one trip');
  const row = await breakerOf(worker.id);
  assert.equal(row.breaker_failures, 6);
  assert.equal(row.healthy, false);
  assert.ok(row.degraded_until);
  assert.ok(row.probe_after_cooldown, 'its next probe waits for the cool-down');
  assert.match(
    row.last_error ?? '',
    /^degraded: 6 timeouts or resets within 60 s \(last: TIMEOUT\)/,
  );
});

test('a success or a failure of another kind counts nothing; a failure outside the window starts over', async () => {
  const { worker, senders } = await workerWithSenders(1);
  const sender = senders[0] ?? '';
  await recordFor(worker.id, sender, TIMEOUT);
  await recordFor(worker.id, sender, { kind: 'UNKNOWN', code: 'CONNECTION_RESET', error: 'x' });
  await recordFor(worker.id, sender, SENT);
  await recordFor(worker.id, sender, { kind: 'FAILED', code: 'BAD_REQUEST', error: 'x' });
  assert.equal((await breakerOf(worker.id)).breaker_failures, 2);
  assert.equal((await breakerOf(worker.id)).healthy, true);
  // The window began two minutes ago: the next failure is the first of a new one.
  await sql`UPDATE workers SET breaker_window_started_at = now() - interval '2 minutes'
            WHERE id = ${worker.id}`.execute(t.db);
  const result = await recordFor(worker.id, sender, TIMEOUT);
  assert.equal(result.workerDegraded, false);
  const row = await breakerOf(worker.id);
  assert.deepEqual([row.breaker_failures, row.healthy], [1, true]);
});

test('a probe answering during the cool-down leaves the worker degraded; after it, brings it back, half-open', async () => {
  const { worker, senders } = await workerWithSenders(1);
  const sender = senders[0] ?? '';
  for (let i = 0; i < 3; i += 1) await recordFor(worker.id, sender, TIMEOUT);
  assert.equal((await breakerOf(worker.id)).healthy, false);

  const during = await recordProbe(t.db, worker.id, ANSWERED, { threshold: 2 });
  assert.equal(during.healthy, false, 'answering a probe does not prove sends are answered');
  assert.match((await breakerOf(worker.id)).last_error ?? '', /^degraded/);

  await sql`UPDATE workers SET degraded_until = now() - interval '1 second'
            WHERE id = ${worker.id}`.execute(t.db);
  const back = await recordProbe(t.db, worker.id, ANSWERED, { threshold: 2 });
  assert.equal(back.healthy, true);
  const restored = await breakerOf(worker.id);
  assert.deepEqual([restored.degraded_until, restored.last_error], [null, null]);

  // Within a window of its trip, one more failure degrades it again.
  const again = await recordFor(worker.id, sender, TIMEOUT);
  assert.equal(again.workerDegraded, true);
  assert.equal((await breakerOf(worker.id)).healthy, false);
});

test('a threshold of 0 switches the breaker off', async () => {
  const { worker, senders } = await workerWithSenders(1);
  const off = { threshold: 0, windowSeconds: 60, cooldownSeconds: 30 };
  for (let i = 0; i < 5; i += 1) await recordFor(worker.id, senders[0] ?? '', TIMEOUT, off);
  const row = await breakerOf(worker.id);
  assert.deepEqual([row.healthy, row.breaker_failures, row.degraded_until], [true, 0, null]);
});
