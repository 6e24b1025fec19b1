import { advanceWebhookOutbox, type OutboxEvent, takeWebhookOutbox } from '@herald/db';
import {
  CLIENT_WEBHOOK_QUEUE,
  type ClientWebhookEvent,
  ClientWebhookPayload,
} from '@herald/domain';
import { fromKysely, type JobInsert } from 'pg-boss';
import type { DispatchContext } from '../context.ts';
import type { PeriodicTask } from '../periodic.ts';

const BATCH = 500;

/**
 * Turns the change feed into webhook jobs. The jobs and the outbox cursor commit in one
 * transaction, so every event becomes a job exactly once, whichever dispatcher drains; delivery
 * then runs in its own queue, so a receiver that is down never slows sending.
 */
export function createDrainWebhookOutboxTask(
  ctx: Pick<DispatchContext, 'db' | 'boss'>,
  options: { globalUrl: string | undefined; intervalMs: number },
): PeriodicTask {
  return {
    name: 'drain-webhook-outbox',
    intervalMs: options.intervalMs,
    async run(signal) {
      while (!signal.aborted && (await drainOnce(ctx, options.globalUrl)) === BATCH) {}
    },
  };
}

async function drainOnce(
  ctx: Pick<DispatchContext, 'db' | 'boss'>,
  globalUrl: string | undefined,
): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const events = await takeWebhookOutbox(trx, BATCH);
    const last = events?.at(-1);
    if (!events || !last) return 0;
    const jobs = toJobs(events, globalUrl);
    if (jobs.length > 0) {
      await ctx.boss.insert(CLIENT_WEBHOOK_QUEUE, jobs, { db: fromKysely(trx) });
    }
    await advanceWebhookOutbox(trx, last.cursor);
    return events.length;
  });
}

/** One job per message (or campaign) of the batch, its events in feed order. */
function toJobs(events: OutboxEvent[], globalUrl: string | undefined): JobInsert[] {
  const byKey = new Map<string, { url: string; events: ClientWebhookEvent[] }>();
  for (const event of events) {
    const url = event.callback_url ?? globalUrl;
    if (!url) continue;
    const key =
      event.message_id === null ? `campaign:${event.campaign_id}` : `message:${event.message_id}`;
    let job = byKey.get(key);
    if (!job) {
      job = { url, events: [] };
      byKey.set(key, job);
    }
    job.events.push(toWebhookEvent(event));
  }
  return [...byKey].map(([key, data]) => ({
    singletonKey: key,
    data: ClientWebhookPayload.parse(data),
  }));
}

function toWebhookEvent(event: OutboxEvent): ClientWebhookEvent {
  const common = {
    id: `${event.cursor.xid}-${event.cursor.seq}`,
    occurred_at: event.occurred_at.toISOString(),
    campaign_id: event.campaign_id,
  };
  if (event.message_id === null) {
    return { ...common, type: 'campaign.status', data: { status: event.status } };
  }
  return {
    ...common,
    type: 'message.status',
    data: {
      message_id: event.message_id,
      recipient: event.recipient ?? '',
      status: event.status,
      error_code: event.error_code,
      ...(event.note ? { note: event.note } : {}),
    },
  };
}
