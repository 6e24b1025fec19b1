import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DueTurns } from '../src/due-turns.ts';

const LONG_MS = 10_000;

/** How long `rest` took, in ms. */
async function timed(rest: Promise<void>): Promise<number> {
  const started = Date.now();
  await rest;
  return Date.now() - started;
}

describe("the fetch loop's rest, as queued turns come due", () => {
  it('ends at the earliest due time, not after the poll interval', async () => {
    const due = new DueTurns();
    due.expect(new Date(Date.now() + 300));
    due.expect(new Date(Date.now() + 100));
    const took = await timed(due.rest(LONG_MS, new AbortController().signal));
    assert.ok(took >= 100 && took < 2_000, `rested ${took} ms`);
    assert.equal(due.pending, 1, 'the later due time is kept for the next rest');
    const next = await timed(due.rest(LONG_MS, new AbortController().signal));
    assert.ok(next < 2_000, `rested ${next} ms more`);
    assert.equal(due.pending, 0);
  });

  it('is cut short by a turn queued while it rests', async () => {
    const due = new DueTurns();
    const resting = timed(due.rest(LONG_MS, new AbortController().signal));
    await sleep(50);
    due.expect();
    assert.ok((await resting) < 2_000, 'a turn fetchable now is looked for now');
  });

  it('rests the whole interval with nothing due, and stops at once when aborted', async () => {
    const due = new DueTurns();
    const took = await timed(due.rest(100, new AbortController().signal));
    assert.ok(took >= 99, `rested ${took} ms`);
    const shutdown = new AbortController();
    const resting = timed(due.rest(LONG_MS, shutdown.signal));
    shutdown.abort();
    assert.ok((await resting) < 1_000);
  });

  it('looks at most every 20 ms, however many turns come due at once', async () => {
    const due = new DueTurns();
    const at = new Date(Date.now() + 30);
    for (let i = 0; i < 1_000; i++) due.expect(at);
    await due.rest(LONG_MS, new AbortController().signal);
    due.expect();
    const took = await timed(due.rest(LONG_MS, new AbortController().signal));
    assert.ok(took >= 15 && took < 2_000, `looked again after ${took} ms`);
  });

  it('forgets due times long past even when the loop never rests (its slots all busy)', async () => {
    const due = new DueTurns();
    for (let i = 0; i < 100; i++) due.expect();
    await sleep(1_100);
    due.expect();
    assert.equal(due.pending, 1);
  });
});
