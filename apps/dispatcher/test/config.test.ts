import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/herald';

describe('dispatcher configuration', () => {
  it('has defaults for everything but the database', () => {
    const config = loadConfig({ DATABASE_URL });
    assert.equal(config.leaseSeconds, 5);
    assert.equal(config.turnSeconds, 30);
    assert.equal(config.sendTimeoutMs, 20_000);
    assert.equal(config.sweepSeconds, 5 / 3);
    assert.equal(config.concurrency, 50);
    assert.equal(config.maxAttempts, 5);
    assert.equal(config.checkNumbers, true);
    assert.match(config.dispatcherId, /^[\w.-]+$/);
    assert.ok(Object.isFrozen(config));
  });

  it('reads booleans strictly', () => {
    assert.equal(loadConfig({ DATABASE_URL, CHECK_NUMBERS: 'false' }).checkNumbers, false);
    assert.equal(loadConfig({ DATABASE_URL, CHECK_NUMBERS: '0' }).checkNumbers, false);
    assert.throws(() => loadConfig({ DATABASE_URL, CHECK_NUMBERS: 'no' }), /CHECK_NUMBERS/);
  });

  it('lets a send outlast the lease (the heartbeat renews it), but not a lease too short for it', () => {
    assert.equal(
      loadConfig({ DATABASE_URL, LEASE_SECONDS: '3', SEND_TIMEOUT_MS: '30000' }).sendTimeoutMs,
      30_000,
    );
    assert.throws(
      () => loadConfig({ DATABASE_URL, LEASE_SECONDS: '2' }),
      /LEASE_SECONDS.*must be at least 3: the heartbeat renews the leases every LEASE_SECONDS\/3/,
    );
    assert.equal(loadConfig({ DATABASE_URL, LEASE_SECONDS: '3' }).sweepSeconds, 1);
  });

  it("rejects a send timeout shorter than WAHA's wait for a session to be WORKING", () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL, SEND_TIMEOUT_MS: '15400' }),
      /SEND_TIMEOUT_MS.*WAHA_STATUS_WAIT_MS \+ 500 \(15500\)/,
    );
    assert.equal(loadConfig({ DATABASE_URL, SEND_TIMEOUT_MS: '15500' }).sendTimeoutMs, 15_500);
    assert.equal(
      loadConfig({ DATABASE_URL, SEND_TIMEOUT_MS: '3000', WAHA_STATUS_WAIT_MS: '2000' })
        .sendTimeoutMs,
      3000,
    );
  });

  it('caps the adaptive send timeout at a minute (the lease does not bound it), never below its floor', () => {
    const defaults = loadConfig({ DATABASE_URL });
    assert.equal(defaults.sendTimeoutMaxMs, 60_000, 'the heartbeat keeps the lease meanwhile');
    assert.deepEqual(defaults.workerBreaker, {
      threshold: 5,
      windowSeconds: 60,
      cooldownSeconds: 30,
    });
    assert.equal(
      loadConfig({ DATABASE_URL, SEND_TIMEOUT_MAX_MS: '25000' }).sendTimeoutMaxMs,
      25_000,
    );
    assert.equal(
      loadConfig({ DATABASE_URL, SEND_TIMEOUT_MAX_MS: '90000' }).sendTimeoutMaxMs,
      90_000,
    );
    assert.equal(
      loadConfig({ DATABASE_URL, SEND_TIMEOUT_MS: '70000' }).sendTimeoutMaxMs,
      70_000,
      'never below the floor',
    );
    assert.throws(
      () => loadConfig({ DATABASE_URL, SEND_TIMEOUT_MAX_MS: '19000' }),
      /SEND_TIMEOUT_MAX_MS.*must not be below SEND_TIMEOUT_MS/,
    );
    assert.throws(
      () => loadConfig({ DATABASE_URL, WORKER_BREAKER_THRESHOLD: '-1' }),
      /WORKER_BREAKER_THRESHOLD/,
    );
  });

  it('treats empty variables as unset', () => {
    assert.equal(
      loadConfig({ DATABASE_URL, LEASE_SECONDS: '', DISPATCHER_ID: '' }).leaseSeconds,
      5,
    );
  });
});
