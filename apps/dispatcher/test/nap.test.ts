import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sleepUnlessAborted } from '../src/nap.ts';

it('sleeps its time, or wakes every sleeper of the signal when it aborts', async () => {
  const shutdown = new AbortController();
  assert.equal(await sleepUnlessAborted(5, shutdown.signal), true);
  const started = performance.now();
  const sleepers = Array.from({ length: 1000 }, () => sleepUnlessAborted(60_000, shutdown.signal));
  shutdown.abort();
  assert.deepEqual(new Set(await Promise.all(sleepers)), new Set([false]));
  assert.ok(performance.now() - started < 1000, 'woken at once');
  assert.equal(await sleepUnlessAborted(60_000, shutdown.signal), false, 'already aborted');
});
