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
import { createGuardedAgent, createHostPolicy } from '@herald/safe-http';
import { createWahaClientCache } from '@herald/waha';
import { createApp } from './app.ts';
import type { ApiConfig } from './config.ts';
import { createCampaignFeedHub } from './services/campaign-feed.ts';
import { ensureAdminKey, ensureWebhookKey } from './services/secrets.ts';

export interface RunningGateway {
  url: string;
  /** Present only on the start that generated the admin key: show it once. */
  generatedAdminKey?: string;
  close(): Promise<void>;
}

/** Migrates, connects pg-boss as a producer, and serves the API. Used by main.ts and tests. */
export async function startGateway(
  config: ApiConfig,
  logger: Logger,
  options: { now?: () => Date } = {},
): Promise<RunningGateway> {
  const db = createDb({
    connectionString: config.databaseUrl,
    max: 10,
    applicationName: 'herald-api',
    onConnectionError: (error) => logger.warn('database connection lost', { error: error.message }),
  });
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
  await ensureQueues(boss);
  const adminKey = await ensureAdminKey(db, config.adminApiKey);
  const webhookHmacKey = await ensureWebhookKey(db, config.webhookHmacKey);
  const waha = createWahaClientCache({ timeoutMs: config.wahaTimeoutMs });
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
  const app = createApp({
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
  });
  server.on('request', app);
  logger.info('gateway listening', { port });

  return {
    url,
    generatedAdminKey: adminKey.generated,
    async close() {
      server.closeIdleConnections();
      // Streams end first, or the server would wait for them forever.
      await campaignFeed.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await boss.stop({ graceful: true, close: true });
      await waha.closeAll();
      await userUrls.agent.close();
      await db.destroy();
    },
  };
}
