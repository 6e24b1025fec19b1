import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createDb,
  createQueue,
  ensureQueues,
  migrateToLatest,
  seedDelaySettings,
} from '@herald/db';
import type { Logger } from '@herald/logging';
import { checkReadiness, createMetrics, type HeraldMetrics } from '@herald/metrics';
import { createGuardedAgent, createHostPolicy } from '@herald/safe-http';
import { createWahaClientCache } from '@herald/waha';
import { createApp } from './app.ts';
import type { ApiConfig } from './config.ts';
import type { AppDeps } from './deps.ts';
import { createCampaignFeedHub } from './services/campaign-feed.ts';
import { registerConfiguredWorkers } from './services/configured-workers.ts';
import { isLoopback, startRateLimitPruning } from './services/rate-limit-upkeep.ts';
import { ensureAdminKey, ensureWebhookKey } from './services/secrets.ts';

export interface RunningGateway {
  url: string;
  /** Present only on the start that generated the admin key: show it once. */
  generatedAdminKey?: string;
  /** Its registry: `npm start` has its in-process dispatcher count into it too. */
  metrics: HeraldMetrics;
  close(): Promise<void>;
}

/** Migrates, connects pg-boss as a producer, and serves the API. Used by main.ts and tests. */
export async function startGateway(
  config: ApiConfig,
  logger: Logger,
  options: { now?: () => Date; metrics?: HeraldMetrics } = {},
): Promise<RunningGateway> {
  const db = createDb({
    connectionString: config.databaseUrl,
    max: 10,
    // A status read, a page or an admission repeats the same few statements: Postgres plans each
    // once per connection rather than at every request (planning cost more than running them).
    preparedStatements: 200,
    applicationName: 'herald-api',
    onConnectionError: (error) => logger.warn('database connection lost', { error: error.message }),
  });
  // The fleet gauges (pending messages, sessions, workers) are read here only: the gateway is
  // the one process every deployment has exactly one kind of.
  const metrics =
    options.metrics ??
    createMetrics({ service: 'api', db, perSenderLabels: config.metricsPerSender });
  await migrateToLatest(db);
  const stored = await seedDelaySettings(db, {
    message_delay: config.messageDelay,
    sender_switch_delay: config.senderSwitchDelay,
  });
  if (
    stored.message_delay !== config.messageDelay ||
    stored.sender_switch_delay !== config.senderSwitchDelay
  ) {
    logger.warn(
      'stored delays differ from MESSAGE_DELAY/SENDER_SWITCH_DELAY; the stored ones apply (change them with POST /api/admin/delays)',
      {
        stored: {
          MESSAGE_DELAY: stored.message_delay,
          SENDER_SWITCH_DELAY: stored.sender_switch_delay,
        },
      },
    );
  }
  const boss = createQueue({
    connectionString: config.databaseUrl,
    role: 'producer',
  });
  boss.on('error', (error) => logger.error('pg-boss error', { error: error.message }));
  await boss.start();
  let queueRunning = true;
  await ensureQueues(boss);
  const adminKey = await ensureAdminKey(db, config.adminApiKey);
  const webhookHmacKey = await ensureWebhookKey(db, config.webhookHmacKey);
  const waha = createWahaClientCache({
    timeoutMs: config.wahaTimeoutMs,
    observe: metrics.observeWaha,
  });
  const policy = createHostPolicy(config.mediaAllowedHosts);
  const userUrls = { agent: createGuardedAgent({ policy }), policy };

  // Listening first lets PORT be 0: the address is known before WAHA is told where to call back.
  const server = createServer();
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${port}`;
  const campaignFeed = createCampaignFeedHub(db, config.databaseUrl, logger);
  const deps: AppDeps = {
    config,
    db,
    boss,
    logger,
    waha,
    adminKeyHash: adminKey.hash,
    webhookHmacKey,
    campaignFeed,
    publicUrl: config.publicUrl ?? url,
    userUrls,
    now: options.now ?? (() => new Date()),
    startedAt: new Date(),
    metrics,
    readiness: () => checkReadiness(db, () => queueRunning),
  };
  server.on('request', createApp(deps));
  logger.info('gateway listening', { port, userAuth: config.userAuth });
  if (config.userAuth === 'open' && !isLoopback(config.host)) {
    logger.warn(
      'USER_AUTH=open on a non-loopback address: anyone who reaches this port can send from any connected number. Set USER_AUTH=token in production (see docs/security.md)',
      { host: config.host },
    );
  }
  const pruning = startRateLimitPruning(db, logger);
  if (config.wahaWorkers.length > 0) await registerConfiguredWorkers(deps, config);

  return {
    url,
    generatedAdminKey: adminKey.generated,
    metrics,
    async close() {
      clearInterval(pruning);
      server.closeIdleConnections();
      // Streams end first, or the server would wait for them forever.
      await campaignFeed.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      queueRunning = false;
      await boss.stop({ graceful: true, close: true });
      await waha.closeAll();
      await userUrls.agent.close();
      await db.destroy();
    },
  };
}
