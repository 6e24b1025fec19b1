import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TIMED_OUT, withDeadline } from '../src/index.ts';

describe('withDeadline', () => {
  it('answers with the value when the work settles first, and passes its failure on', async () => {
    assert.equal(await withDeadline(Promise.resolve(42), 10_000), 42);
    await assert.rejects(withDeadline(Promise.reject(new Error('no')), 10_000), /no/);
  });

  it('answers TIMED_OUT when the work has not settled in time', async () => {
    const never = new Promise<never>(() => {});
    assert.equal(await withDeadline(never, 1), TIMED_OUT);
  });
});
