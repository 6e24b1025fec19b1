import type { EmulatorContext } from '../context.ts';
import { isRecord, json, nestError } from '../http.ts';
import type { Route } from '../router.ts';
import { availableInPlusMessage } from './send-routes.ts';
import { parseBooleanQuery } from './session-routes.ts';

// WAHA answers `/api/server/stop` first and goes down a second later.
const STOP_AFTER_MS = 1000;

export function serverRoutes(ctx: EmulatorContext): Route[] {
  const { settings } = ctx;
  const version = () => json({ ...ctx.environment, worker: { id: settings.workerId } });

  return [
    { method: 'GET', pattern: '/ping', handler: () => json({ message: 'pong' }) },
    {
      method: 'GET',
      pattern: '/health',
      handler: () => {
        if (settings.tier === 'CORE') throw nestError(422, availableInPlusMessage(settings.engine));
        return json(healthBody());
      },
    },
    { method: 'GET', pattern: '/api/server/version', handler: version },
    { method: 'GET', pattern: '/api/version', handler: version },
    {
      method: 'GET',
      pattern: '/api/server/status',
      handler: () => {
        const uptime = Date.now() - ctx.startedAt;
        return json({ startTimestamp: ctx.startedAt, uptime, worker: { id: settings.workerId } });
      },
    },
    {
      method: 'GET',
      pattern: '/api/server/environment',
      handler: ({ query }) => {
        parseBooleanQuery('all', query.all);
        return json(environmentBody(ctx));
      },
    },
    {
      method: 'POST',
      pattern: '/api/server/stop',
      handler: ({ body }) => {
        const force = isRecord(body) ? body.force : undefined;
        if (force !== undefined && typeof force !== 'boolean') {
          throw nestError(400, ['force must be a boolean value']);
        }
        ctx.timers.after(STOP_AFTER_MS, () => void simulateRestart(ctx));
        return json({ stopping: true });
      },
    },
  ];
}

/**
 * A container restart: the worker goes away, comes back after `restartDowntimeMs`, and restarts
 * the sessions that were running (WAHA_WORKER_RESTART_SESSIONS is on by default). Stored
 * pairings survive, so paired sessions come back WORKING without a new scan.
 */
async function simulateRestart(ctx: EmulatorContext): Promise<void> {
  const running = ctx.sessions.all().filter((record) => record.run);
  for (const record of running) ctx.machine.stop(record, false);
  await ctx.network.goOffline();
  ctx.timers.after(ctx.settings.restartDowntimeMs, async () => {
    if (ctx.closed) return;
    await ctx.network.goOnline();
    for (const record of running) {
      if (ctx.sessions.find(record.name) === record) ctx.sessions.start(record.name);
    }
  });
}

/** The variables WAHA would list, rebuilt from the emulator's settings; never the API key. */
function environmentBody(ctx: EmulatorContext): Record<string, string> {
  const { settings } = ctx;
  const env: Record<string, string> = {
    WAHA_WORKER_ID: settings.workerId,
    WHATSAPP_DEFAULT_ENGINE: settings.engine,
  };
  if (settings.globalWebhook) {
    env.WHATSAPP_HOOK_EVENTS = settings.globalWebhook.events.join(',');
    env.WHATSAPP_HOOK_URL = settings.globalWebhook.url;
  }
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
}

/** A Terminus result like Plus returns when its storage checks pass. */
function healthBody(): Record<string, unknown> {
  const check = (path: string) => ({
    status: 'up',
    path,
    diskPath: '/',
    free: 50_000_000_000,
    total: 100_000_000_000,
    threshold: 100_000_000_000,
  });
  const info = {
    'media.files.space': check('/app/.media'),
    'sessions.files.space': check('/app/.sessions'),
  };
  return { status: 'ok', info, error: {}, details: info };
}
