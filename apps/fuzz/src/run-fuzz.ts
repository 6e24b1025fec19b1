import { sql } from 'kysely';
import { Agent, request } from 'undici';
import { bombs } from './bombs.ts';
import { buildRequest, type FuzzRequest, readOperations } from './requests.ts';
import { createRng } from './rng.ts';
import type { Target } from './target.ts';

export interface FuzzOptions {
  requests: number;
  seed: number;
  /** Requests in flight at once; rows are compared between batches of this size. */
  concurrency: number;
}

export interface Finding {
  kind: '5xx' | 'network' | 'partial-write' | 'inconsistent-counters' | 'crash';
  detail: string;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  operations: number;
  byStatus: Record<string, number>;
  byOperation: Record<string, Record<string, number>>;
  rssBeforeMb: number;
  rssMaxMb: number;
  rssAfterMb: number;
  /** RSS (MB) sampled every 50 batches. */
  rssTrace: number[];
  /** Batches whose writes all got 4xx answers, whose row counts were compared (all unchanged). */
  batchesChecked: number;
  rowsAtEnd: Record<string, number>;
  campaignsChecked: number;
  seconds: number;
  findings: Finding[];
}

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

/**
 * Sends generated requests in batches and checks, as it goes: no 5xx other than a documented one
 * carrying an error code (a worker that is down is a 502/503, not a bug), no dropped connection,
 * no row added by a batch that got only 4xx answers; at the end, every campaign's counters match
 * its rows and the gateway still answers.
 */
export async function runFuzz(target: Target, options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const doc = await (await fetch(`${target.url}/openapi.json`)).json();
  const { operations, resolve } = readOperations(doc);
  const rng = createRng(options.seed);
  const agent = new Agent({
    connections: options.concurrency,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const report: FuzzReport = {
    seed: options.seed,
    requests: 0,
    operations: operations.length,
    byStatus: {},
    byOperation: {},
    rssBeforeMb: mb(target.rss()),
    rssMaxMb: 0,
    rssAfterMb: 0,
    rssTrace: [],
    batchesChecked: 0,
    rowsAtEnd: {},
    campaignsChecked: 0,
    seconds: 0,
    findings: [],
  };
  const pending = [...bombs(operations, target.secrets)];
  let rssMax = target.rss();
  try {
    while (report.requests < options.requests && report.findings.length < 20) {
      const size = Math.min(options.concurrency, options.requests - report.requests);
      const batch: FuzzRequest[] = Array.from({ length: size }, (_, i) => {
        // The few huge requests go out first, spread over the first batches.
        if (i === 0 && pending.length > 0) return pending.shift() as FuzzRequest;
        return buildRequest(rng.pick(operations), rng, resolve, target.secrets);
      });
      const before = await target.rowCounts();
      const statuses = await Promise.all(batch.map((r) => send(target, agent, r, report)));
      const rss = target.rss();
      rssMax = Math.max(rssMax, rss);
      if (report.requests % (50 * options.concurrency) === 0) report.rssTrace.push(mb(rss));
      report.requests += batch.length;
      // Reads may answer 2xx; no write may, for the batch to show that 4xx answers wrote nothing.
      const writes = batch.flatMap((r, i) => (r.method === 'GET' ? [] : [statuses[i] ?? 0]));
      if (writes.every((s) => s >= 400 && s < 500)) {
        const after = await target.rowCounts();
        report.batchesChecked += 1;
        for (const [table, n] of Object.entries(after)) {
          if (n !== before[table]) {
            report.findings.push({
              kind: 'partial-write',
              detail: `${table} went ${before[table]} → ${n} in a batch of 4xx answers: ${batch.map((r) => `${r.method} ${r.path.slice(0, 80)} [${r.mutation}]`).join('; ')}`,
            });
          }
        }
      }
      if (report.requests % (25 * options.concurrency) === 0) await target.reseed();
      if (target.gateway.child.exitCode !== null || target.gateway.child.signalCode !== null) {
        report.findings.push({
          kind: 'crash',
          detail: `the gateway exited:\n${target.gateway.output().slice(-2000)}`,
        });
        break;
      }
    }
    await checkCounters(target, report);
    const health = await fetch(`${target.url}/health`).catch(() => null);
    if (health?.status !== 200)
      report.findings.push({ kind: 'crash', detail: 'GET /health failed after the run' });
  } finally {
    await agent.close();
  }
  report.rssMaxMb = mb(rssMax);
  report.rssAfterMb = mb(target.rss());
  report.rowsAtEnd = await target.rowCounts();
  report.seconds = Math.round((performance.now() - started) / 100) / 10;
  return report;
}

async function send(
  target: Target,
  agent: Agent,
  r: FuzzRequest,
  report: FuzzReport,
): Promise<number> {
  const key = `${r.method} ${r.op.path}`;
  let status = 0;
  try {
    const res = await request(`${target.url}${r.path}`, {
      method: r.method as 'GET',
      headers: r.headers,
      body: r.body ?? null,
      dispatcher: agent,
    });
    status = res.statusCode;
    const text = await res.body.text();
    if (status >= 500) {
      const code = safeCode(text);
      if (!r.op.documented.has(status) || code === null || code === 'INTERNAL') {
        report.findings.push({
          kind: '5xx',
          detail: `${status} ${code} for ${r.method} ${r.path.slice(0, 200)} [${r.mutation}]: ${text.slice(0, 300)}`,
        });
      }
    }
  } catch (error) {
    report.findings.push({
      kind: 'network',
      detail: `${r.method} ${r.path.slice(0, 200)} [${r.mutation}]: ${String(error)}`,
    });
  }
  const group = String(status).replace(/\d\d$/, 'xx');
  report.byStatus[String(status)] = (report.byStatus[String(status)] ?? 0) + 1;
  const perOp = report.byOperation[key] ?? {};
  perOp[group] = (perOp[group] ?? 0) + 1;
  report.byOperation[key] = perOp;
  return status;
}

function safeCode(text: string): string | null {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

/** Every campaign's counters equal its rows by status, and media was stored with it. */
async function checkCounters(target: Target, report: FuzzReport): Promise<void> {
  const { rows } = await sql<{ id: number; problem: string }>`
    SELECT c.id, 'counters' AS problem FROM campaigns c
    LEFT JOIN (
      SELECT campaign_id, count(*)::int AS total,
        count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
        count(*) FILTER (WHERE status = 'SENDING')::int AS sending,
        count(*) FILTER (WHERE status = 'SENT')::int AS sent,
        count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
        count(*) FILTER (WHERE status = 'UNKNOWN')::int AS unknown
      FROM messages GROUP BY campaign_id
    ) m ON m.campaign_id = c.id
    WHERE c.total_messages <> coalesce(m.total, 0) OR c.pending_messages <> coalesce(m.pending, 0)
      OR c.sending_messages <> coalesce(m.sending, 0) OR c.sent_messages <> coalesce(m.sent, 0)
      OR c.failed_messages <> coalesce(m.failed, 0) OR c.unknown_messages <> coalesce(m.unknown, 0)
    UNION ALL
    SELECT c.id, 'media not stored' FROM campaigns c
    WHERE c.media_url IS NOT NULL AND NOT EXISTS (SELECT 1 FROM campaign_media cm WHERE cm.campaign_id = c.id)
  `.execute(target.database.db);
  const total = await sql<{ n: number }>`SELECT count(*)::int AS n FROM campaigns`.execute(
    target.database.db,
  );
  report.campaignsChecked = total.rows[0]?.n ?? 0;
  for (const row of rows) {
    report.findings.push({
      kind: 'inconsistent-counters',
      detail: `campaign ${row.id}: ${row.problem}`,
    });
  }
}
