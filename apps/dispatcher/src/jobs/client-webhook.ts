import {
  CLIENT_WEBHOOK_QUEUE,
  CLIENT_WEBHOOK_SIGNATURE_HEADER,
  ClientWebhookPayload,
  signClientWebhook,
} from '@herald/domain';
import type { Logger } from '@herald/logging';
import { createGuardedAgent, createHostPolicy, type HostPolicy } from '@herald/safe-http';
import type { PgBoss } from 'pg-boss';
import type { Agent } from 'undici';

export interface ClientWebhookOptions {
  secret: string;
  allowPrivate: boolean;
  retryDelaySeconds: number;
  retryLimit: number;
  timeoutMs?: number;
}

/** Every address is allowed: the admin said receivers may live on private networks. */
const ANY_HOST: HostPolicy = { isAllowedHost: () => true };

/**
 * The webhook queue: key_strict_fifo keyed by message, so a message's later events wait behind
 * one that is being retried (in order per message), with exponential backoff between tries.
 */
export async function ensureClientWebhookQueue(
  boss: PgBoss,
  options: Pick<ClientWebhookOptions, 'retryDelaySeconds' | 'retryLimit'>,
): Promise<void> {
  const settings = {
    retryLimit: options.retryLimit,
    retryDelay: options.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: 120,
    deleteAfterSeconds: 86_400,
  };
  await boss.createQueue(CLIENT_WEBHOOK_QUEUE, { policy: 'key_strict_fifo', ...settings });
  await boss.updateQueue(CLIENT_WEBHOOK_QUEUE, settings);
}

/** Delivers webhook jobs; a non-2xx answer or a network error throws, so pg-boss retries. */
export async function startClientWebhookWorker(
  boss: PgBoss,
  logger: Logger,
  options: ClientWebhookOptions,
): Promise<{ stop(): Promise<void>; agent: Agent }> {
  // Every connection is checked where it is made: a name that resolves to a private address
  // (or a redirect to one) is refused unless the admin allowed private receivers.
  const agent = createGuardedAgent({
    policy: options.allowPrivate ? ANY_HOST : createHostPolicy(),
  });
  const workId = await boss.work(
    CLIENT_WEBHOOK_QUEUE,
    // Two fetch loops of one job each: an idle dispatcher asks for webhooks twice a second.
    { batchSize: 1, localConcurrency: 2, pollingIntervalSeconds: 1 },
    async ([job]) => {
      if (!job) return;
      const payload = ClientWebhookPayload.safeParse(job.data);
      if (!payload.success) {
        logger.error('dropping a client webhook with an invalid payload', { job_id: job.id });
        return;
      }
      // Events of one job go one by one, in order; a retry starts again at the first (at least once).
      for (const event of payload.data.events) {
        await post(agent, payload.data.url, JSON.stringify(event), options);
      }
    },
  );
  return {
    agent,
    async stop() {
      await boss.offWork(CLIENT_WEBHOOK_QUEUE, { id: workId });
      await agent.close();
    },
  };
}

async function post(
  agent: Agent,
  url: string,
  body: string,
  options: ClientWebhookOptions,
): Promise<void> {
  const signature = signClientWebhook(options.secret, body, Math.floor(Date.now() / 1000));
  const { origin, pathname, search } = new URL(url);
  const response = await agent.request({
    origin,
    path: pathname + search,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Herald-Webhooks/1',
      [CLIENT_WEBHOOK_SIGNATURE_HEADER]: signature,
    },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  await response.body.dump();
  if (response.statusCode < 200 || response.statusCode >= 300) {
    // The receiver's URL and answer stay out of the error: it may carry a token in its query.
    throw new Error(`the webhook receiver answered ${response.statusCode}`);
  }
}
