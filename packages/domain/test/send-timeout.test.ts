import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adaptiveSendTimeoutMs, clamp, percentile, SEND_TIMEOUT_HEADROOM } from '../src/index.ts';

describe('percentile', () => {
  it('has no value without samples', () => {
    assert.equal(percentile([], 99), undefined);
  });

  it('takes the nearest rank, whatever the order of the samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    assert.equal(percentile(samples, 99), 99);
    assert.equal(percentile(samples, 50), 50);
    assert.equal(percentile(samples, 100), 100);
    assert.equal(percentile([7], 99), 7);
    // Among 10 samples the p99 is the largest: one slow send in ten counts.
    assert.equal(percentile([1, 1, 1, 1, 1, 1, 1, 1, 1, 40], 99), 40);
  });
});

describe('clamp', () => {
  it('keeps a value inside its bounds', () => {
    assert.equal(clamp(5, 1, 10), 5);
    assert.equal(clamp(-1, 1, 10), 1);
    assert.equal(clamp(11, 1, 10), 10);
  });
});

describe('adaptive send timeout', () => {
  const bounds = { floorMs: 1000, capMs: 4000 };

  it('is the floor until a send succeeded', () => {
    assert.equal(adaptiveSendTimeoutMs([], bounds), 1000);
  });

  it('never goes below the floor for a fast worker', () => {
    assert.equal(adaptiveSendTimeoutMs([10, 20, 30], bounds), 1000);
  });

  it('sits above the p99 of a slow worker', () => {
    assert.equal(SEND_TIMEOUT_HEADROOM, 2);
    assert.equal(adaptiveSendTimeoutMs([900, 1200, 1500], bounds), 3000);
  });

  it('is capped for a worker slower than the cap allows', () => {
    assert.equal(adaptiveSendTimeoutMs([2500], bounds), 4000);
    assert.equal(adaptiveSendTimeoutMs([60_000], bounds), 4000);
  });
});
