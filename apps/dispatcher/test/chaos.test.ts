import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { enqueueTurn, runChaos, setDelaySettings } from '@herald/testing';
import { createHarness, type Harness } from './harness.ts';

// The short form of the chaos drill (the long one is `pnpm bench chaos`): 4 dispatcher processes,
// one killed -9 every 2.5 s and replaced, Herald's Postgres connections terminated every third
// kill, the WAHA worker killed -9 and started again with its data folder half-way through.

let h: Harness;
before(async () => {
  h = await createHarness();
  // Paced so the campaigns are still under way when the chaos ends.
  await setDelaySettings(h.db, { messageDelay: 0.3, senderSwitchDelay: 0 });
});
after(() => h.close());

it('ends exact: no duplicate, every SENT row one record, nothing UNKNOWN or open, counters = rows', async () => {
  const result = await runChaos({
    db: h.db,
    databaseUrl: h.database.url,
    enqueueTurn: (sender) => enqueueTurn(h.boss, sender),
    senders: 6,
    messagesPerSender: 60,
    dispatchers: 4,
    chaosMs: 20_000,
    minKills: 4,
    killEveryMs: 2500,
    terminateEvery: 3,
    // An UNKNOWN looked up while the worker was down is asked again 15 s, then 30 s later.
    settleMs: 120_000,
    log: (line) => process.env.HERALD_TEST_LOGS && process.stderr.write(`${line}\n`),
  });
  if (process.env.HERALD_TEST_LOGS) process.stderr.write(`${JSON.stringify(result)}\n`);
  // Judged at the last kill the test asks for: a quiet machine finishes the campaigns sooner.
  assert.ok(result.openAtMinKills > 0, 'the kills hit campaigns under way');
  assert.ok(result.dispatcherKills >= 4, `${result.dispatcherKills} kills`);
  assert.equal(result.workerRestarts, 1);
  assert.ok(result.backendsTerminated > 0, 'Postgres connections were terminated');
  assert.deepEqual(result.problems, []);
});
