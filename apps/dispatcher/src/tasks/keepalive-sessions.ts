import { listIdleConnectedSessions, recordKeepalive } from '@herald/db';
import type { WahaClientCache } from '@herald/waha';
import type { PeriodicTask } from '../periodic.ts';
import type { SessionTaskDeps } from './reconcile-sessions.ts';

export interface KeepaliveDeps extends SessionTaskDeps {
  wahaClients: WahaClientCache;
}

export interface KeepaliveOptions {
  /** A CONNECTED session whose linked device has been idle this long gets a keep-alive (default 12). */
  keepaliveDays?: number;
  /** Sessions handled per run (default 1000); the rest wait for the next run. */
  batchSize?: number;
}

export interface KeepaliveReport {
  refreshed: string[];
  failed: string[];
}

const DAY_MS = 86_400_000;

/**
 * Keeps idle linked devices alive before WhatsApp's 30-day inactivity drop, without messaging
 * anyone: the device goes online and offline again, which is activity of the device itself. It
 * cannot help with the phone's own 14-day clock (only using the phone does); the API reports that
 * one through `expires_at` and `expiry_warning`.
 */
export async function keepaliveSessions(
  deps: KeepaliveDeps,
  options: KeepaliveOptions = {},
): Promise<KeepaliveReport> {
  const now = deps.now?.() ?? new Date();
  const days = options.keepaliveDays ?? 12;
  const idle = await listIdleConnectedSessions(deps.db, {
    before: new Date(now.getTime() - days * DAY_MS),
    limit: options.batchSize ?? 1000,
  });
  const report: KeepaliveReport = { refreshed: [], failed: [] };
  for (const session of idle) {
    const client = deps.wahaClients.clientFor({ url: session.url, apiKey: session.api_key });
    try {
      await client.setPresence(session.waha_session, 'online');
      await client.setPresence(session.waha_session, 'offline');
      await recordKeepalive(deps.db, session.phone_number, now);
      report.refreshed.push(session.phone_number);
    } catch (error) {
      report.failed.push(session.phone_number);
      deps.logger.warn('keep-alive failed', { phone: session.phone_number, error: String(error) });
    }
  }
  if (idle.length > 0) deps.logger.info('keep-alive done', report);
  return report;
}

/**
 * Hourly on every dispatcher, the first run somewhere in the first hour: a fleet that restarts
 * does not call every idle session at once. Runs of two dispatchers rarely meet (a kept-alive
 * device is not idle for another KEEPALIVE_DAYS), and when they do a device goes online twice.
 */
export function createKeepaliveTask(
  deps: KeepaliveDeps,
  options: KeepaliveOptions = {},
): PeriodicTask {
  return {
    name: 'keepalive-sessions',
    intervalMs: 3600_000,
    firstRunWithinMs: 3600_000,
    run: () => keepaliveSessions(deps, options),
  };
}
