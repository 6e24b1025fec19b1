import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/herald';

describe('dispatcher configuration', () => {
  it('has defaults for everything but the database', () => {
    const config = loadConfig({ DATABASE_URL });
    assert.equal(config.leaseSeconds, 30);
    assert.equal(config.turnSeconds, 30);
    assert.equal(config.sendTimeoutMs, 20_000);
    assert.equal(config.sweepSeconds, 10);
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

  it('rejects a send timeout that does not fit in the lease', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL, LEASE_SECONDS: '10', SEND_TIMEOUT_MS: '9500' }),
      /SEND_TIMEOUT_MS/,
    );
    assert.equal(
      loadConfig({
        DATABASE_URL,
        LEASE_SECONDS: '2',
        SEND_TIMEOUT_MS: '1000',
        WAHA_STATUS_WAIT_MS: '0',
      }).sweepSeconds,
      1,
    );
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

  it('caps the adaptive send timeout inside the lease, never below its floor', () => {
    const defaults = loadConfig({ DATABASE_URL });
    assert.equal(defaults.sendTimeoutMaxMs, 29_000, 'the lease allows less than a minute');
    assert.deepEqual(defaults.workerBreaker, {
      threshold: 5,
      windowSeconds: 60,
      cooldownSeconds: 30,
    });
    assert.equal(loadConfig({ DATABASE_URL, LEASE_SECONDS: '600' }).sendTimeoutMaxMs, 60_000);
    assert.equal(
      loadConfig({ DATABASE_URL, SEND_TIMEOUT_MAX_MS: '25000' }).sendTimeoutMaxMs,
      25_000,
    );
    assert.throws(
      () => loadConfig({ DATABASE_URL, SEND_TIMEOUT_MAX_MS: '29500' }),
      /SEND_TIMEOUT_MAX_MS.*at most LEASE_SECONDS\*1000 - 1000 \(29000\)/,
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
      30,
    );
  });
});
