import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveCapacity } from '../src/index.ts';

describe('effective capacity', () => {
  it('is one on WAHA Core, which serves only `default`', () => {
    assert.equal(effectiveCapacity({ tier: 'CORE', capacity: 50 }, 100), 1);
  });

  it('is the capacity capped by MAX_LIVE_SESSIONS otherwise, a tier not yet probed included', () => {
    assert.equal(effectiveCapacity({ tier: 'PLUS', capacity: 50 }, 100), 50);
    assert.equal(effectiveCapacity({ tier: 'PLUS', capacity: 500 }, 100), 100);
    assert.equal(effectiveCapacity({ tier: null, capacity: 10 }, 3), 3);
  });
});
