import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SendTimeouts } from '../src/send-timeouts.ts';

it("follows a worker's p99 without working it out at every send", () => {
  const timeouts = new SendTimeouts({ floorMs: 1000, capMs: 60_000 });
  assert.equal(timeouts.timeoutFor(1), 1000, 'no sample yet: the floor');
  for (let i = 0; i < 100; i += 1) timeouts.recordSuccess(1, 100);
  assert.equal(timeouts.timeoutFor(1), 1000, 'fast sends: still the floor');
  // A send longer than the timeout allows for is taken in at once: after two of them the p99
  // (nearest rank of 102 samples) is one, and the timeout sits twice above it.
  timeouts.recordSuccess(1, 4000);
  assert.equal(timeouts.timeoutFor(1), 1000);
  timeouts.recordSuccess(1, 4000);
  assert.equal(timeouts.timeoutFor(1), 8000);
  assert.equal(timeouts.timeoutFor(2), 1000, 'each worker has its own');
  // Fast sends push it out of the window's p99 within a few recomputations.
  for (let i = 0; i < 200; i += 1) timeouts.recordSuccess(1, 100);
  assert.equal(timeouts.timeoutFor(1), 1000);
});
