import { createDb, createQueue, ensureQueues, migrateToLatest } from '@herald/db';
import { SENDER_TURN_QUEUE, SenderTurnPayload } from '@herald/domain';
import { createLogger, type Logger } from '@herald/logging';
import {
  checkReadiness,
  createMetrics,
  type HeraldMetrics,
  type ObservabilityServer,
  startObservabilityServer,
} from '@herald/metrics';
import { createWahaClientCache, type WahaClientCache } from '@herald/waha';
import { createCampaignMediaCache } from './campaign-media.ts';
import { CLOCK_READ_INTERVAL_MS, DatabaseClock, readDatabaseClock } from './claim-clock.ts';
import type { DispatcherConfig } from './config.ts';
import { startConsumer } from './consumer.ts';
import type { DispatchContext } from './context.ts';
import { DueTurns } from './due-turns.ts';
import { type Fleet, joinFleet } from './fleet.ts';
import { ensureClientWebhookQueue, startClientWebhookWorker } from './jobs/client-webhook.ts';
import { runSenderTurn, TURN_BUDGET_SPREAD } from './jobs/sender-turn.ts';
import { type PeriodicTask, startPeriodicTasks } from './periodic.ts';
import { SendTimeouts } from './send-timeouts.ts';
import { createSweepTask } from './sweeper.ts';
import { createDrainWebhookOutboxTask } from './tasks/drain-webhook-outbox.ts';
import { createExpireOldRecordsTask } from './tasks/expire-old-records.ts';
import { createKeepaliveTask } from './tasks/keepalive-sessions.ts';
import { createProbeTask } from './tasks/probe-workers.ts';
import { createResolveUnknownTask } from './tasks/resolve-unknown.ts';
import { createScheduledStartTask } from './tasks/start-scheduled.ts';
import { createTurnBatches } from './turn-batches.ts';

export interface DispatcherDeps {
  logger?: Logger;
  /** Shared with the gateway under `npm start`; default: this dispatcher's own. */
  metrics?: HeraldMetrics;
  /** Serve /healthz, /readyz and /metrics on METRICS_PORT (a dispatcher process does). */
  serveMetrics?: boolean;
  /** Shared WAHA clients; closed by `stop()` only when the dispatcher created them. */
  wahaClients?: WahaClientCache;
}

export interface RunningDispatcher {
  id: string;
  /**
   * Graceful stop: no new claims, each turn finishes and records its message in flight and hands
   * its sender back (with a queued turn, so another dispatcher carries on at once), then the queue,
   * the pool and the WAHA clients close. Safe to call more than once.
   */
  stop(): Promise<void>;
}

/**
 * Starts one dispatcher: a pg-boss consumer of sender turns plus its periodic tasks. Any number
 * may run, in one process or many; they agree through Postgres alone.
 */
export async function startDispatcher(
  config: Readonly<DispatcherConfig>,
  deps: DispatcherDeps = {},
): Promise<RunningDispatcher> {
  const logger =
    deps.logger ??
    createLogger({ service: 'dispatcher', level: config.logLevel, file: config.logFile });
  const db = createDb({
    connectionString: config.databaseUrl,
    max: Math.min(20, config.concurrency + 2),
    // The claim and the outcome run the same few statements for every message.
    preparedStatements: 200,
    applicationName: `herald-dispatcher-${config.dispatcherId}`.slice(0, 63),
    onConnectionError: (error) => logger.warn('database connection lost', { error: error.message }),
  });
  // A turn may run its longest budget, then one recipient check and one send, before pg-boss
  // retries it.
  const turnExpireSeconds = Math.ceil(
    config.turnSeconds * (1 + TURN_BUDGET_SPREAD) +
      (2 * config.sendTimeoutMaxMs) / 1000 +
      config.leaseSeconds +
      30,
  );
  const boss = createQueue({
    connectionString: config.databaseUrl,
    role: 'consumer',
    applicationName: 'herald-dispatcher',
  });
  boss.on('error', (error) => logger.error('pg-boss error', { error: String(error) }));
  const metrics =
    deps.metrics ??
    createMetrics({ service: 'dispatcher', perSenderLabels: config.metricsPerSender });
  const wahaClients =
    deps.wahaClients ??
    createWahaClientCache({
      timeoutMs: config.sendTimeoutMs,
      observe: metrics.observeWaha,
    });
  let queueRunning = false;
  let observability: ObservabilityServer | undefined;
  let joined: Fleet | undefined;
  try {
    await migrateToLatest(db);
    joined = await joinFleet({
      databaseUrl: config.databaseUrl,
      logger,
      dispatcherId: config.dispatcherId,
      leaseSeconds: config.leaseSeconds,
    });
    await boss.start();
    queueRunning = true;
    await ensureQueues(boss, { turnExpireSeconds });
    await ensureClientWebhookQueue(boss, {
      retryDelaySeconds: config.webhookRetryDelaySeconds,
      retryLimit: config.webhookRetryLimit,
    });
    if (deps.serveMetrics) {
      observability = await startObservabilityServer({
        port: config.metricsPort,
        host: config.metricsHost,
        registry: metrics.registry,
        readiness: () => checkReadiness(db, () => queueRunning),
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EADDRINUSE') throw error;
        throw new Error(
          `METRICS_PORT ${config.metricsPort} is in use (another dispatcher on this host?): give each dispatcher its own METRICS_PORT, or 0 for any free port`,
        );
      });
      logger.info('metrics served', { url: `${observability.url}/metrics` });
    }
  } catch (error) {
    await joined?.stop();
    await observability?.close();
    await boss.stop({ graceful: false, close: true }).catch(() => {});
    await db.destroy().catch(() => {});
    throw error;
  }

  const fleet = joined;
  const backoff = {
    baseSeconds: config.retryBackoffSeconds,
    maxSeconds: config.retryBackoffMaxSeconds,
  };
  const clock = new DatabaseClock();
  const dueTurns = new DueTurns();
  const ctx: DispatchContext = {
    config,
    db,
    boss,
    wahaClients,
    sendTimeouts: new SendTimeouts({
      floorMs: config.sendTimeoutMs,
      capMs: config.sendTimeoutMaxMs,
    }),
    logger,
    outcomePolicy: { maxAttempts: config.maxAttempts, backoff },
    media: createCampaignMediaCache(db),
    metrics,
    fleet,
    clock,
    ...createTurnBatches({ db, boss, clock, dueTurns }),
  };

  const consumer = startConsumer({
    boss,
    queue: SENDER_TURN_QUEUE,
    concurrency: config.concurrency,
    pollIntervalMs: config.pollIntervalMs,
    dueTurns,
    logger,
    limit: () => fleet.turnLimit(),
    limitReached: () => fleet.refreshShare(),
    async handle(job, signal) {
      const payload = SenderTurnPayload.safeParse(job.data);
      if (!payload.success) {
        // Retrying cannot fix a malformed payload: log it and let the job complete.
        logger.error('dropping a sender turn with an invalid payload', { job_id: job.id });
        return;
      }
      await runSenderTurn(ctx, payload.data.sender_number, signal);
    },
  });

  // Periodic tasks of this dispatcher: the recovery sweep, scheduled campaign starts, keep-alives,
  // and worker probing with session reconciliation.
  const periodicTasks: PeriodicTask[] = [
    {
      name: 'clock',
      intervalMs: CLOCK_READ_INTERVAL_MS,
      run: async () => clock.observe(await readDatabaseClock(db)),
    },
    createSweepTask(ctx),
    createScheduledStartTask(ctx),
    createExpireOldRecordsTask(ctx),
    createKeepaliveTask({ db, boss, logger, wahaClients }, { keepaliveDays: config.keepaliveDays }),
  ];
  if (config.unknownResolveIntervalSeconds > 0) periodicTasks.push(createResolveUnknownTask(ctx));
  if (config.probeIntervalSeconds > 0) {
    periodicTasks.push(
      createProbeTask(
        { ...ctx, pairingTimeoutSeconds: config.pairingTimeoutSeconds },
        { intervalSeconds: config.probeIntervalSeconds },
      ),
    );
  }
  // Client webhooks need their secret: without it nothing is drained, so nothing is lost.
  const secret = config.clientWebhookSecret;
  const webhooks = secret
    ? await startClientWebhookWorker(boss, logger, {
        secret,
        allowPrivate: config.clientWebhookAllowPrivate,
        retryDelaySeconds: config.webhookRetryDelaySeconds,
        retryLimit: config.webhookRetryLimit,
      })
    : null;
  if (secret) {
    periodicTasks.push(
      createDrainWebhookOutboxTask(ctx, {
        globalUrl: config.clientWebhookUrl,
        intervalMs: config.webhookDrainMs,
      }),
    );
  }
  const periodic = startPeriodicTasks(periodicTasks, logger);
  logger.info('dispatcher started', {
    dispatcher_id: config.dispatcherId,
    concurrency: config.concurrency,
    lease_seconds: config.leaseSeconds,
  });

  let stopping: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    logger.info('dispatcher stopping', { dispatcher_id: config.dispatcherId });
    await periodic.stop();
    await consumer.stop();
    await fleet.stop();
    await webhooks?.stop();
    queueRunning = false;
    await boss.stop({ graceful: true, close: true, timeout: 10_000 });
    await observability?.close();
    if (!deps.wahaClients) await wahaClients.closeAll();
    await db.destroy();
    logger.info('dispatcher stopped', { dispatcher_id: config.dispatcherId });
  }
  return {
    id: config.dispatcherId,
    stop: () => {
      stopping ??= shutdown();
      return stopping;
    },
  };
}
