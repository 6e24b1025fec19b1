import { listSessionNumbers, listSessionViews } from '@herald/db';
import { computeSessionExpiry, SESSION_STATUSES, WAHA_SESSION_STATUSES } from '@herald/domain';
import { z } from 'zod';
import type { RouteModule } from '../deps.ts';
import { DateTimeText, toIsoOrNull } from '../http/schemas.ts';
import { collectMetrics, collectThroughput, listUsers } from '../services/admin-metrics.ts';

const count = z.number().int();

const MetricsDto = z
  .object({
    active_sessions: count.meta({ description: 'Sessions CONNECTED now' }),
    messages_sent_today: count.meta({ description: 'Messages sent since 00:00 UTC' }),
    current_queue_size: count.meta({ description: 'Messages PENDING or SENDING' }),
    server_uptime: count.meta({ description: 'Seconds since this gateway started' }),
    total_campaigns: count,
    total_users: count.meta({ description: 'Sender numbers known to Herald' }),
    total_sessions: count,
    workers_healthy: count.meta({ description: 'Enabled workers that answer their probes' }),
    workers_total: count,
    messages_pending: count,
    messages_sending: count,
    messages_failed: count,
    messages_unknown: count.meta({
      description: 'Messages whose outcome is unknown (WAHA may have sent them); never resent',
    }),
    campaigns_in_progress: count,
  })
  .meta({ id: 'AdminMetrics' });

const ThroughputDto = z
  .object({
    since: DateTimeText.meta({ description: 'The start of the first minute listed' }),
    minutes: z.array(
      z.object({
        minute: DateTimeText,
        sent: count,
        failed: count,
        unknown: count.meta({ description: 'Outcome unknown (WAHA may have sent them)' }),
        suppressed: count.meta({ description: 'Skipped: the recipient opted out' }),
      }),
    ),
  })
  .meta({
    id: 'AdminThroughput',
    description: 'Messages per minute by outcome over the last hour (60 minutes, oldest first)',
  });

const UserDto = z
  .object({
    phone_number: z.string(),
    total_campaigns: count,
    total_messages: count,
    sent_messages: count,
    failed_messages: count,
    active_session: z.boolean(),
    session_status: z.enum(SESSION_STATUSES).nullable(),
    last_active: DateTimeText.nullable(),
    last_campaign: DateTimeText.nullable().meta({
      description: 'When the latest campaign was created',
    }),
  })
  .meta({ id: 'AdminUser' });

const AdminSessionDto = z
  .object({
    phone_number: z.string(),
    status: z.enum(SESSION_STATUSES),
    waha_status: z.enum(WAHA_SESSION_STATUSES).nullable(),
    worker_id: z.number().nullable(),
    worker_name: z.string().nullable(),
    last_active: DateTimeText.nullable(),
    expires_at: DateTimeText.nullable(),
    requires_auth: z.boolean(),
    expiry_warning: z.boolean(),
    qr_code: z.null(),
    qr_expiry: z.null(),
  })
  .meta({ id: 'AdminSession' });

const SessionNumbersDto = z
  .object({ count, numbers: z.array(z.string()) })
  .meta({ id: 'SessionNumbers' });

export const adminRoutes: RouteModule = (r, deps) => {
  r.route({
    method: 'get',
    path: '/api/admin/metrics',
    summary: 'System-wide counts',
    tags: ['Admin'],
    access: 'admin',
    responses: { 200: { description: 'Metrics', schema: MetricsDto } },
    handler: async () => ({ status: 200, body: await collectMetrics(deps) }),
  });

  r.route({
    method: 'get',
    path: '/api/admin/metrics/throughput',
    summary: 'Messages per minute by outcome, last hour',
    tags: ['Admin'],
    access: 'admin',
    responses: { 200: { description: 'One entry per minute', schema: ThroughputDto } },
    handler: async () => ({ status: 200, body: await collectThroughput(deps) }),
  });

  r.route({
    method: 'get',
    path: '/api/admin/users',
    summary: 'Every sender number with its campaign totals and session',
    tags: ['Admin'],
    access: 'admin',
    responses: { 200: { description: 'Users', schema: z.array(UserDto) } },
    handler: async () => {
      const users = await listUsers(deps);
      const body = users.map((u) => ({
        ...u,
        last_active: toIsoOrNull(u.last_active),
        last_campaign: toIsoOrNull(u.last_campaign),
      }));
      return { status: 200, body };
    },
  });

  r.route({
    method: 'get',
    path: '/api/admin/sessions',
    summary: 'Every session with its worker and expiry estimate',
    tags: ['Admin'],
    access: 'admin',
    responses: { 200: { description: 'Sessions', schema: z.array(AdminSessionDto) } },
    handler: async () => {
      const now = deps.now();
      const body = (await listSessionViews(deps.db)).map((s) => {
        const expiry = computeSessionExpiry(s, now, deps.config.expiryWarningDays);
        return {
          phone_number: s.phone_number,
          status: s.status,
          waha_status: s.waha_status,
          worker_id: s.worker_id,
          worker_name: s.worker_name,
          last_active: toIsoOrNull(expiry.last_active),
          expires_at: toIsoOrNull(expiry.expires_at),
          requires_auth: expiry.requires_auth,
          expiry_warning: expiry.expiry_warning,
          // Kept for the original clients; QR codes are served per number by /api/sessions/{n}/qr.
          qr_code: null,
          qr_expiry: null,
        };
      });
      return { status: 200, body };
    },
  });

  r.route({
    method: 'get',
    path: '/api/admin/session-numbers',
    summary: 'The phone numbers that have a session',
    tags: ['Admin'],
    access: 'admin',
    responses: { 200: { description: 'Numbers', schema: SessionNumbersDto } },
    handler: async () => {
      const numbers = await listSessionNumbers(deps.db);
      return { status: 200, body: { count: numbers.length, numbers } };
    },
  });
};
