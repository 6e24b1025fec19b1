import { createDb, type Database, lockOrCreateSender, reserveSessionSlot } from '@herald/db';
import { makeConnectedSender } from '@herald/testing';
import { type Kysely, sql } from 'kysely';
import { request } from 'undici';
import { BENCH_ADMIN_KEY, type GatewayProcess, startGatewayProcess } from '../gateway-process.ts';
import { backendCpuDelta, readBackendCpu } from '../proc.ts';
import { table } from '../report.ts';
import { freshDatabase, stoppedAtCleanup } from '../resources.ts';
import type { Scenario } from '../scenario.ts';
import { fmtInt, fmtMs, type Summary, summarize } from '../stats.ts';

const SENDER = '21642108077';
const MESSAGES = 100_000;
const CAMPAIGNS = 100_000;
const WORKERS = 10_000;
const PAGE = 1_000;
const SAMPLES = 300;
/** Calls made before each batch and not measured: a fresh process compiles and prepares first. */
const WARMUP = 300;
const ADMIN = { 'x-admin-api-key': BENCH_ADMIN_KEY };
// Targets (issue: reads at scale), p99.
const TARGETS = { status: 5, details: 50, campaigns: 20, placement: 5 };

/** Milliseconds from sending a GET to having read the whole answer (which must be a 200). */
async function timedGet(url: string, headers: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const response = await request(url, { headers });
  const text = await response.body.text();
  const ms = performance.now() - started;
  if (response.statusCode !== 200)
    throw new Error(`${url}: ${response.statusCode} ${text.slice(0, 200)}`);
  return ms;
}

/** Latencies of one read, and the CPU it cost per call: the caller's and Postgres's. */
interface Measured extends Summary {
  callerCpuMs: number;
  postgresCpuMs: number;
}

/**
 * Calls `once` `times` in a row. CPU is read from /proc around the batch: the caller's (the
 * gateway's process, or this one for placement, which runs here) and that of every Postgres
 * backend of the database; far less sensitive to the machine's load than the latencies.
 */
async function repeat(
  times: number,
  caller: GatewayProcess | 'self',
  db: Kysely<Database>,
  once: (i: number) => Promise<number>,
): Promise<Measured> {
  const callerCpu = async () =>
    caller === 'self'
      ? (process.cpuUsage().user + process.cpuUsage().system) / 1e6
      : caller.cpuSeconds();
  for (let i = 0; i < WARMUP; i++) await once(i % times);
  const [caller0, backends0] = [await callerCpu(), await readBackendCpu(db)];
  const values: number[] = [];
  for (let i = 0; i < times; i++) values.push(await once(i));
  const [caller1, backends1] = [await callerCpu(), await readBackendCpu(db)];
  return {
    ...summarize(values),
    callerCpuMs: ((caller1 - caller0) * 1000) / times,
    postgresCpuMs: (backendCpuDelta(backends0, backends1) * 1000) / times,
  };
}

/** One campaign of MESSAGES rows, CAMPAIGNS campaigns, WORKERS healthy Plus workers, in bulk. */
async function seed(db: Kysely<Database>): Promise<number> {
  await makeConnectedSender(db, SENDER);
  await sql`
    INSERT INTO campaigns (sender_number, template, total_messages, pending_messages, created_at)
    SELECT ${SENDER}, 'Hello', 1, 1, now() - make_interval(secs => g)
    FROM generate_series(1, ${CAMPAIGNS - 1}) AS g`.execute(db);
  const { rows } = await sql<{ id: number }>`
    INSERT INTO campaigns (sender_number, template, total_messages, pending_messages)
    VALUES (${SENDER}, 'Hello {{name}}', ${MESSAGES}, ${MESSAGES}) RETURNING id`.execute(db);
  const id = Number(rows[0]?.id);
  await sql`
    INSERT INTO messages (campaign_id, sender_number, recipient, body)
    SELECT ${id}, ${SENDER}, (21690000000 + g)::text, 'Hello customer ' || g
    FROM generate_series(1, ${MESSAGES}) AS g`.execute(db);
  await sql`
    INSERT INTO workers (name, url, api_key, capacity, tier, healthy)
    SELECT 'w' || g, 'http://127.0.0.1:9/w' || g, 'key', 50, 'PLUS', true
    FROM generate_series(1, ${WORKERS}) AS g`.execute(db);
  await sql`ANALYZE`.execute(db);
  return id;
}

/**
 * The reads an operator's dashboard and the extension make, on tables at the scale,
 * through the gateway as deployed; placement is the query itself, in a transaction rolled back.
 */
export const readsScenario: Scenario = {
  name: 'reads',
  title: 'status, message pages, campaign lists and placement at scale',
  timeoutMs: 300_000,
  async run(cleanup, log) {
    const database = await freshDatabase(cleanup);
    const seedStarted = performance.now();
    const campaignId = await seed(database.db);
    log(`seeded in ${fmtMs(performance.now() - seedStarted)}`);
    const gateway = stoppedAtCleanup(
      cleanup,
      'the gateway',
      await startGatewayProcess(database.url),
    );
    const base = gateway.url;

    // Baseline, same run: the gateway's cheapest answer, and each read's query from here.
    const floor = await repeat(SAMPLES, gateway, database.db, () => timedGet(`${base}/health`));
    const status = await repeat(SAMPLES, gateway, database.db, () =>
      timedGet(`${base}/api/status/${campaignId}`, ADMIN),
    );
    // Pages spread over the campaign, each reached with the cursor of the message before it.
    const { rows: ids } = await sql<{ id: number }>`
      SELECT id FROM messages WHERE campaign_id = ${campaignId} ORDER BY id`.execute(database.db);
    const details = await repeat(60, gateway, database.db, (i) => {
      const after = ids[Math.floor((i * (MESSAGES - PAGE)) / 60)]?.id;
      return timedGet(
        `${base}/api/status/${campaignId}?details=true&limit=${PAGE}&cursor=${after}`,
        ADMIN,
      );
    });
    const firstPage = await repeat(SAMPLES, gateway, database.db, () =>
      timedGet(`${base}/api/campaigns`, ADMIN),
    );
    const senderPage = await repeat(SAMPLES, gateway, database.db, () =>
      timedGet(`${base}/api/campaigns?sender_number=${SENDER}&offset=500`),
    );
    // Placement runs in the gateway (POST /api/sessions): on a pool configured as the gateway's.
    const placing = createDb({ connectionString: database.url, max: 2, preparedStatements: 200 });
    cleanup.defer('close the placement pool', () => placing.destroy());
    const placement = await repeat(SAMPLES, 'self', database.db, async (i) => {
      const started = performance.now();
      await placing
        .transaction()
        .execute(async (trx) => {
          const phone = `2169${String(i).padStart(7, '0')}`;
          await lockOrCreateSender(trx, phone);
          await reserveSessionSlot(trx, { phone, maxLiveSessions: 50 });
          throw new RollBack();
        })
        .catch((error) => {
          if (!(error instanceof RollBack)) throw error;
        });
      return performance.now() - started;
    });

    const rows: [string, Measured, number | null][] = [
      ['GET /health (baseline: the HTTP floor)', floor, null],
      [`GET /api/status/{id}, ${fmtInt(MESSAGES)} messages`, status, TARGETS.status],
      [`… ?details=true&limit=${fmtInt(PAGE)}&cursor=…`, details, TARGETS.details],
      [
        `GET /api/campaigns (admin, first page of 50), ${fmtInt(CAMPAIGNS)} campaigns`,
        firstPage,
        TARGETS.campaigns,
      ],
      ['GET /api/campaigns?sender_number=…&offset=500', senderPage, TARGETS.campaigns],
      [`placement (reserveSessionSlot), ${fmtInt(WORKERS)} workers`, placement, TARGETS.placement],
    ];
    const misses = rows.flatMap(([label, s, target]) =>
      target !== null && s.p99 > target ? [`${label}: p99 ${fmtMs(s.p99, 1)} > ${target} ms`] : [],
    );
    const markdown = [
      `A fresh database holding one campaign of ${fmtInt(MESSAGES)} messages, ${fmtInt(CAMPAIGNS)} campaigns of one`,
      `sender and ${fmtInt(WORKERS)} healthy WAHA Plus workers (written in bulk, then ANALYZE); the gateway as`,
      'deployed (child process), called over HTTP one request at a time with the admin key (the',
      'sender-scoped list without it); times to the last byte of the answer. Message pages are',
      `${fmtInt(PAGE)} messages from 60 places spread over the campaign, each reached with a cursor.`,
      'Placement is `reserveSessionSlot` from the bench process, in a transaction rolled back.',
      'CPU per call: the caller (the gateway, or the bench process for placement) and every',
      'Postgres backend of the database, read from /proc around each batch; it depends far less on',
      "the machine's load than the latencies do. Each batch follows " +
        `${WARMUP} calls of the same read, not measured`,
      '(a fresh process compiles its code and prepares its statements during its first calls).',
      '**Baseline, same run:** `GET /health`, the cheapest answer of the same gateway.',
      '',
      table(
        [
          'read',
          'n',
          'p50',
          'p99',
          'max',
          'target (p99)',
          'p99 / baseline p99',
          'CPU per call: caller + Postgres',
        ],
        rows.map(([label, s, target]) => [
          label,
          String(s.n),
          fmtMs(s.p50, 1),
          fmtMs(s.p99, 1),
          fmtMs(s.max, 1),
          target === null ? '' : `≤ ${target} ms`,
          `×${(s.p99 / floor.p99).toFixed(1)}`,
          `${s.callerCpuMs.toFixed(2)} + ${s.postgresCpuMs.toFixed(2)} ms`,
        ]),
      ),
    ].join('\n');
    return {
      markdown,
      reading:
        `Status p99 ${fmtMs(status.p99, 1)}, a page of ${fmtInt(PAGE)} messages ${fmtMs(details.p99, 1)}, campaign pages ` +
        `${fmtMs(firstPage.p99, 1)} / ${fmtMs(senderPage.p99, 1)}, placement ${fmtMs(placement.p99, 1)}, against ${fmtMs(floor.p99, 1)} for the gateway's floor` +
        (misses.length > 0 ? `. Targets missed: ${misses.join('; ')}.` : '; every target met.'),
      summary: rows.map(
        ([label, s]) =>
          `${label}: p50 ${fmtMs(s.p50, 1)}, p99 ${fmtMs(s.p99, 1)}, CPU ${s.callerCpuMs.toFixed(2)} + ${s.postgresCpuMs.toFixed(2)} ms`,
      ),
      problems: [],
    };
  },
};

class RollBack extends Error {}
