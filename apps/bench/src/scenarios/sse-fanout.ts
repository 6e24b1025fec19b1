import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@herald/testing';
import { numberRange } from '../campaigns.ts';
import { startGatewayProcess } from '../gateway-process.ts';
import { readCpuSeconds, readTransactionCount } from '../proc.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { type CountingListener, openCountingListeners } from '../sse-listeners.ts';
import { createWorld } from '../world.ts';

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
      const [cpu0, tx0, t0] = [
        await readCpuSeconds(gateway.pid),
        await readTransactionCount(world.db),
        performance.now(),
      ];
      await during();
      const seconds = (performance.now() - t0) / 1000;
      const cpu1 = await readCpuSeconds(gateway.pid);
      await sleep(STATS_FLUSH_S * 1000);
      const transactions = (await readTransactionCount(world.db)) - tx0;
      log(`${name}: ${seconds.toFixed(1)} s, ${(transactions / seconds).toFixed(1)} tx/s`);
      return { name, seconds, gatewayCpuSeconds: cpu1 - cpu0, transactions };
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
      `${((p.gatewayCpuSeconds / p.seconds) * 100).toFixed(1)}%`,
      (p.transactions / p.seconds).toFixed(1),
    ];
    const rate = (p: Phase) => p.transactions / p.seconds;
    const progressPerStream = Math.round(streams.reduce((n, s) => n + s.progress, 0) / LISTENERS);
    const markdown = [
      `One sender on an emulated WAHA Plus worker, delays 0, campaigns of ${MESSAGES} messages, one`,
      `dispatcher process. A separate gateway process (\`apps/api/src/main.ts\`) serves ${LISTENERS}`,
      'streams of `GET /api/campaigns/{id}/events` on one campaign, opened from the bench process.',
      "Gateway CPU: that process's user+system time over the phase. Database load: transactions",
      'committed or rolled back in the test database per second (`pg_stat_database`; each of the',
      "feed's reads is one), all clients together, read after Postgres flushed its statistics.",
      `Idle phases last ${IDLE_WINDOW_S} s with the campaign PENDING and no dispatcher; sending phases`,
      'last from the dispatcher taking the campaign (or its submission) until every stream ended',
      '(or the campaign completed).',
      '',
      table(['phase', 'seconds', 'gateway CPU', 'database tx/s'], phases.map(row)),
      '',
      `Each stream received all ${2 * MESSAGES} message events (SENDING and SENT per recipient),`,
      `about ${progressPerStream} coalesced progress events and the end event.`,
    ].join('\n');
    return {
      markdown,
      reading:
        `${LISTENERS} idle streams add ${(rate(idle100) - rate(idle0)).toFixed(1)} tx/s (none: the feed reads only when notified) ` +
        `and ${(((idle100.gatewayCpuSeconds - idle0.gatewayCpuSeconds) / IDLE_WINDOW_S) * 100).toFixed(1)}% gateway CPU; while sending, the ` +
        `streams cost ${(rate(sending100) - rate(sending0)).toFixed(1)} tx/s more (one shared read per campaign per tick, not one per stream) ` +
        `and the gateway ${((sending100.gatewayCpuSeconds / sending100.seconds) * 100).toFixed(0)}% of a core to format and write ${LISTENERS}× the events.`,
      summary: phases.map(
        (p) =>
          `${p.name}: gateway CPU ${((p.gatewayCpuSeconds / p.seconds) * 100).toFixed(1)}%, ${rate(p).toFixed(1)} tx/s`,
      ),
      problems,
    };
  },
};
