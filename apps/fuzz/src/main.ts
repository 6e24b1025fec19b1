import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runFuzz } from './run-fuzz.ts';
import { startTarget } from './target.ts';

// `pnpm fuzz [--requests N] [--seed S] [--concurrency C] [--out report.json]`: starts a real
// gateway on a scratch database, fuzzes it from its own /openapi.json, prints the report and
// exits 1 on any finding.
const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '50000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    concurrency: { type: 'string', default: '16' },
    out: { type: 'string' },
  },
});
const target = await startTarget();
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
