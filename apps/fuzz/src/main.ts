import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runFuzz } from './run-fuzz.ts';
import { startTarget } from './target.ts';

// `pnpm fuzz [--requests N] [--seed S] [--concurrency C] [--out report.json] [--unthrottled]`:
// starts a real gateway on a scratch database, fuzzes it from its own /openapi.json, prints the
// report and exits 1 on any finding. `--unthrottled` lifts the per-client rate limits, so every
// request reaches its handler rather than a 429 (the harder test of memory and writes).
const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '50000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    concurrency: { type: 'string', default: '16' },
    out: { type: 'string' },
    unthrottled: { type: 'boolean', default: false },
  },
});
const UNTHROTTLED = {
  RATE_LIMIT_PER_MINUTE: '100000000',
  SENDER_RATE_LIMIT_PER_MINUTE: '100000000',
  SESSION_CREATE_LIMIT_PER_HOUR: '100000000',
  ADMIN_AUTH_FAILURES_PER_MINUTE: '100000000',
};
const target = await startTarget(values.unthrottled ? UNTHROTTLED : {});
let failed = true;
try {
  const report = await runFuzz(target, {
    requests: Number(values.requests),
    seed: Number(values.seed),
    concurrency: Number(values.concurrency),
  });
  const text = JSON.stringify(report, null, 2);
  console.log(text);
  if (values.out) writeFileSync(values.out, `${text}\n`);
  failed = report.findings.length > 0 || report.rssMaxMb >= 300;
} finally {
  await target.close();
}
process.exit(failed ? 1 : 0);
