import { resolveApiKey } from './auth.ts';
import { EmulatorContext, resolveSettings } from './context.ts';
import {
  applyFaults,
  ControlError,
  goOfflineFor,
  logoutFromPhone,
  receiveMessage,
  scanSession,
  sendFromPhone,
} from './control.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { chatHistoryRoutes } from './routes/chat-history-routes.ts';
import { chatRoutes } from './routes/chat-routes.ts';
import { controlRoutes } from './routes/control-routes.ts';
import { sendRoutes } from './routes/send-routes.ts';
import { serverRoutes } from './routes/server-routes.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { createEmulatorServer } from './server.ts';
import type { EmulatorOptions, Faults, RunningEmulator } from './types.ts';

/** Starts one emulated WAHA worker with its own state, tier, engine and key. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const log = options.log ?? (() => undefined);
  const { key, generated } = resolveApiKey(options.apiKey);
  const ctx = new EmulatorContext(resolveSettings(options, key), log);
  // Static routes come before `/api/:session/...` so `/api/sessions/...` is never read as a session.
  const routes = [
    ...serverRoutes(ctx),
    ...sessionRoutes(ctx),
    ...sendRoutes(ctx),
    ...chatRoutes(ctx),
    ...chatHistoryRoutes(ctx),
    ...authRoutes(ctx),
    ...controlRoutes(ctx),
  ];
  const server = createEmulatorServer(ctx, routes);
  ctx.network = { goOffline: server.goOffline, goOnline: server.goOnline };
  const port = await server.listen(options.port ?? 0);
  ctx.restoreSessions();
  const { settings } = ctx;
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
  log(
    `WAHA emulator ${settings.workerId} on ${url} (${settings.tier}, ${settings.engine})` +
      (generated ? ' with a generated API key' : ''),
  );

  const unwrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ControlError) throw new Error(error.message);
      throw error;
    }
  };

  return {
    url,
    port,
    apiKey: settings.apiKey,
    tier: settings.tier,
    engine: settings.engine,
    workerId: settings.workerId,
    messages: () => ctx.messages.map((message) => structuredClone(message)),
    sendConcurrency: () => ctx.sendConcurrency.snapshot(),
    sessions: () => ctx.sessions.summaries(),
    scan: (session, phone, pushName) =>
      void unwrap(() => scanSession(ctx, session, phone, pushName)),
    logout: (session) => void unwrap(() => logoutFromPhone(ctx, session)),
    phoneMessage: (session, to, text) => unwrap(() => sendFromPhone(ctx, session, to, text)),
    incomingMessage: (session, from, text) =>
      unwrap(() => receiveMessage(ctx, session, from, text)),
    setFaults: (faults: Partial<Faults>) => {
      const { offlineForMs } = unwrap(() => applyFaults(ctx, faults));
      if (offlineForMs !== undefined) {
        goOfflineFor(ctx, offlineForMs).catch((error) => log(`offline failed: ${error}`));
      }
    },
    faults: () => structuredClone(ctx.faults),
    webhookDeliveries: () => ctx.webhooks.deliveries(),
    goOffline: () => server.goOffline(),
    goOnline: () => server.goOnline(),
    reset: () => ctx.reset(),
    async close() {
      ctx.closed = true;
      ctx.timers.clear();
      ctx.webhooks.abortAll();
      for (const record of ctx.sessions.all()) ctx.machine.stop(record, false);
      await server.goOffline();
    },
  };
}

/** N workers on consecutive ports from `basePort` (0 = each on a random port), workerIds waha-1..N. */
export async function startEmulatorFleet(
  options: EmulatorOptions & { workers: number; basePort: number },
): Promise<RunningEmulator[]> {
  const { workers, basePort, ...rest } = options;
  const started: RunningEmulator[] = [];
  try {
    for (let index = 0; index < workers; index++) {
      started.push(
        await startEmulator({
          ...rest,
          port: basePort === 0 ? 0 : basePort + index,
          workerId: rest.workerId ? `${rest.workerId}-${index + 1}` : `waha-${index + 1}`,
        }),
      );
    }
  } catch (error) {
    await Promise.all(started.map((worker) => worker.close()));
    throw error;
  }
  return started;
}
