import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@herald/testing';
import { sql } from 'kysely';
import { numberRange } from '../campaigns.ts';
import { startGatewayProcess } from '../gateway-process.ts';
import { readCpuSeconds, readTransactionCount } from '../proc.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { type CountingListener, openCountingListeners } from '../sse-listeners.ts';
import { type BenchWorld, createWorld } from '../world.ts';

const SENDER = '21620000201';
const LISTENERS = 100;
const MESSAGES = 200;
const IDLE_WINDOW_S = 15;
/** An idle Postgres backend reports its statistics 10 s after its last query (PG 15). */
const STATS_FLUSH_S = 11;

interface Phase {
  name: string;
  seconds: number;
  gatewayCpuSeconds: number;
  transactions: number;
  /** Reads of the change feed by campaign: only the streams' reads use this index. */
  feedReads: number;
  messages: number;
}

async function readFeedIndexScans(db: BenchWorld['db']): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT idx_scan::float8 AS n FROM pg_stat_user_indexes
    WHERE indexrelname = 'campaign_events_campaign_idx'`.execute(db);
  return rows[0]?.n ?? 0;
}

async function readSentCount(db: BenchWorld['db']): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM messages WHERE status = 'SENT'`.execute(db);
  return rows[0]?.n ?? 0;
}

/**
 * What 100 streams on one campaign cost: the CPU of the gateway process serving them and the
 * database transactions per second, while the campaign waits and while it is sent, each against
 * the same phase without listeners.
 */
export const sseFanoutScenario: Scenario = {
  name: 'sse-fanout',
  title: `${LISTENERS} live-progress streams on one campaign`,
  timeoutMs: 600_000,
  async run(cleanup, log) {
    const world = await createWorld(cleanup, { messageDelay: 0, senderSwitchDelay: 0 });
    const plus = await world.emulatedWorker('PLUS');
    await world.connectSender(plus, SENDER);
    const gateway = await startGatewayProcess(world.databaseUrl);
    cleanup.defer('stop the streaming gateway', () => gateway.stop());
    const streams: CountingListener[] = [];
    cleanup.defer('close the streams', async () => {
      for (const s of streams) s.abort();
    });

    // Each phase is read once statistics of everything before it are flushed, and read again
    // after its own are: transactions are counted for the database as a whole.
    const measure = async (name: string, during: () => Promise<void>): Promise<Phase> => {
      await sleep(STATS_FLUSH_S * 1000);
      const tx0 = await readTransactionCount(world.db);
      const reads0 = await readFeedIndexScans(world.db);
      const sent0 = await readSentCount(world.db);
      const cpu0 = await readCpuSeconds(gateway.pid);
      const t0 = performance.now();
      await during();
      const seconds = (performance.now() - t0) / 1000;
      const cpu1 = await readCpuSeconds(gateway.pid);
      const messages = (await readSentCount(world.db)) - sent0;
      await sleep(STATS_FLUSH_S * 1000);
      const transactions = (await readTransactionCount(world.db)) - tx0;
      const feedReads = (await readFeedIndexScans(world.db)) - reads0;
      log(`${name}: ${seconds.toFixed(1)} s, ${(transactions / seconds).toFixed(1)} tx/s`);
      return { name, seconds, gatewayCpuSeconds: cpu1 - cpu0, transactions, feedReads, messages };
    };
    const idleWindow = () => sleep(IDLE_WINDOW_S * 1000).then(() => undefined);

    // No dispatcher yet: the campaign waits, PENDING.
    const watched = await world.submit(SENDER, numberRange(21_691_000_001, MESSAGES));
    const idle0 = await measure('idle, no stream', idleWindow);
    const url = `${gateway.url}/api/campaigns/${watched}/events?sender_number=${SENDER}`;
    streams.push(...(await openCountingListeners(url, LISTENERS)));
    await waitFor(() => streams.every((s) => s.progress > 0), { what: 'every stream to start' });
    const idle100 = await measure(`idle, ${LISTENERS} streams`, idleWindow);

    await world.dispatcher('sse-1');
    const sending100 = await measure(`sending, ${LISTENERS} streams`, () =>
      waitFor(() => streams.every((s) => s.ended), {
        timeoutMs: 240_000,
        intervalMs: 50,
        what: 'every stream to end',
      }).then(() => undefined),
    );
    const sending0 = await measure('sending, no stream', async () => {
      await world.submit(SENDER, numberRange(21_692_000_001, MESSAGES));
      await world.waitForCampaignsDone(240_000);
    });

    const problems = streams.flatMap((s, i) =>
      s.messages === 2 * MESSAGES && s.ended
        ? []
        : [`stream ${i} got ${s.messages} message events (of ${2 * MESSAGES}), ended: ${s.ended}`],
    );
    const phases = [idle0, idle100, sending0, sending100];
    const row = (p: Phase) => [
      p.name,
      p.seconds.toFixed(1),
      (p.messages / p.seconds).toFixed(1),
      `${((p.gatewayCpuSeconds / p.seconds) * 100).toFixed(1)}%`,
      (p.transactions / p.seconds).toFixed(1),
      (p.feedReads / p.seconds).toFixed(1),
    ];
    const rate = (p: Phase) => p.transactions / p.seconds;
    const progressPerStream = Math.round(streams.reduce((n, s) => n + s.progress, 0) / LISTENERS);
    const markdown = [
      `One sender on an emulated WAHA Plus worker, delays 0, campaigns of ${MESSAGES} messages, one`,
      `dispatcher process. A separate gateway process (\`apps/api/src/main.ts\`) serves ${LISTENERS}`,
      'streams of `GET /api/campaigns/{id}/events` on one campaign, opened from the bench process.',
      "Gateway CPU: that process's user+system time over the phase. Database load: transactions",
      'committed or rolled back in the test database per second (`pg_stat_database`; each of the',
      "feed's reads is one), all clients together, read after Postgres flushed its statistics;",
      'feed reads/s: scans of the index only the streams use (`campaign_events_campaign_idx`).',
      `Idle phases last ${IDLE_WINDOW_S} s with the campaign PENDING and no dispatcher; sending phases`,
      'last from the dispatcher taking the campaign (or its submission) until every stream ended',
      '(or the campaign completed).',
      '',
      table(
        ['phase', 'seconds', 'sent/s', 'gateway CPU', 'database tx/s', 'feed reads/s'],
        phases.map(row),
      ),
      '',
      `Each stream received all ${2 * MESSAGES} message events (SENDING and SENT per recipient),`,
      `about ${progressPerStream} coalesced progress events and the end event.`,
    ].join('\n');
    return {
      markdown,
      reading:
        `${LISTENERS} idle streams read the feed ${(idle100.feedReads / IDLE_WINDOW_S).toFixed(1)} times/s (it is read only when notified) ` +
        `and use ${((idle100.gatewayCpuSeconds / IDLE_WINDOW_S) * 100).toFixed(1)}% of a core (${((idle0.gatewayCpuSeconds / IDLE_WINDOW_S) * 100).toFixed(1)}% without them); while sending, ` +
        `${LISTENERS} streams cost ${(sending100.feedReads / sending100.seconds).toFixed(1)} feed reads/s in all (two per coalesced tick, shared by every stream; at most 8/s by construction) ` +
        `and the gateway ${((sending100.gatewayCpuSeconds / sending100.seconds) * 100).toFixed(1)}% of a core to write ${LISTENERS}× the events. ` +
        'The database rates of the sending phases differ mostly by sending speed on this loaded machine, not by the streams.',
      summary: phases.map(
        (p) =>
          `${p.name}: gateway CPU ${((p.gatewayCpuSeconds / p.seconds) * 100).toFixed(1)}%, ${rate(p).toFixed(1)} tx/s`,
      ),
      problems,
    };
  },
};
