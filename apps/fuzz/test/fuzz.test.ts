import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runFuzz } from '../src/run-fuzz.ts';
import { startTarget, type Target } from '../src/target.ts';

// The short form of `pnpm fuzz`, part of every test run: a real gateway process, fuzzed from its
// own /openapi.json, the review's huge requests included. FUZZ_REQUESTS / FUZZ_SEED widen it.
let target: Target;
before(async () => {
  target = await startTarget();
});
after(() => target.close());

test('fuzzed requests get no 5xx, write nothing when refused, and keep the gateway small', async () => {
  const requests = Number(process.env.FUZZ_REQUESTS ?? 800);
  const report = await runFuzz(target, {
    requests,
    seed: Number(process.env.FUZZ_SEED ?? 20261201),
    concurrency: 16,
  });
  assert.deepEqual(report.findings, [], JSON.stringify(report.findings.slice(0, 5), null, 2));
  assert.equal(report.requests, requests);
  assert.ok(report.rssMaxMb < 300, `the gateway's RSS reached ${report.rssMaxMb} MB`);
  assert.ok(
    report.batchesChecked > requests / 16 / 4,
    `only ${report.batchesChecked} batches checked`,
  );
  assert.ok(
    Object.keys(report.byOperation).length === report.operations,
    'every operation was called',
  );
});
