import { countOutcomesPerMinute, countSystem, listUserSummaries } from '@herald/db';
import { computeSessionExpiry } from '@herald/domain';
import type { AppDeps } from '../deps.ts';

/** GET /api/admin/metrics. "Today" is the current UTC day of the injected clock. */
export async function collectMetrics(deps: AppDeps) {
  const now = deps.now();
  const startOfDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const counts = await countSystem(deps.db, startOfDay);
  return {
    active_sessions: counts.active_sessions,
    messages_sent_today: counts.messages_sent_today,
    // Messages not yet settled: waiting for their turn or being sent right now.
    current_queue_size: counts.messages_pending + counts.messages_sending,
    server_uptime: Math.max(0, Math.floor((Date.now() - deps.startedAt.getTime()) / 1000)),
    total_campaigns: counts.total_campaigns,
    total_users: counts.total_users,
    total_sessions: counts.total_sessions,
    workers_healthy: counts.workers_healthy,
    workers_total: counts.workers_total,
    messages_pending: counts.messages_pending,
    messages_sending: counts.messages_sending,
    messages_failed: counts.messages_failed,
    messages_unknown: counts.messages_unknown,
    campaigns_in_progress: counts.campaigns_in_progress,
  };
}

/** GET /api/admin/users: each sender number with its campaign totals and session state. */
export async function listUsers(deps: AppDeps) {
  const now = deps.now();
  const users = await listUserSummaries(deps.db);
  return users.map((u) => {
    const expiry = u.session_status
      ? computeSessionExpiry(
          {
            status: u.session_status,
            connected_at: null,
            phone_active_at: u.phone_active_at,
            device_active_at: u.device_active_at,
          },
          now,
          deps.config.expiryWarningDays,
        )
      : null;
    return {
      phone_number: u.phone_number,
      total_campaigns: u.total_campaigns,
      total_messages: u.total_messages,
      sent_messages: u.sent_messages,
      failed_messages: u.failed_messages,
      active_session: u.session_status === 'CONNECTED',
      session_status: u.session_status,
      last_active: expiry?.last_active ?? null,
      last_campaign: u.last_campaign,
    };
  });
}

const MINUTE_MS = 60_000;
/** How far back GET /api/admin/metrics/throughput looks, in minutes (the current one included). */
export const THROUGHPUT_MINUTES = 60;

/**
 * GET /api/admin/metrics/throughput: messages per minute by outcome over the last hour, one entry
 * per minute, oldest first, with zeros where nothing settled (a chart needs every minute).
 */
export async function collectThroughput(deps: AppDeps) {
  const currentMinute = Math.floor(deps.now().getTime() / MINUTE_MS) * MINUTE_MS;
  const since = new Date(currentMinute - (THROUGHPUT_MINUTES - 1) * MINUTE_MS);
  const rows = await countOutcomesPerMinute(deps.db, since);
  const minutes = Array.from({ length: THROUGHPUT_MINUTES }, (_, i) => ({
    minute: new Date(since.getTime() + i * MINUTE_MS).toISOString(),
    sent: 0,
    failed: 0,
    unknown: 0,
    suppressed: 0,
  }));
  for (const row of rows) {
    const bucket = minutes[Math.round((row.minute.getTime() - since.getTime()) / MINUTE_MS)];
    if (!bucket) continue;
    const outcome = row.status.toLowerCase() as 'sent' | 'failed' | 'unknown' | 'suppressed';
    bucket[outcome] += row.count;
  }
  return { since: since.toISOString(), minutes };
}
