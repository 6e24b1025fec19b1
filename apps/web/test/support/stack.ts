import {
  createTestDatabase,
  freePort,
  type RunningProcess,
  startDispatcherProcess,
  startTsProcess,
  waitUntilReady,
} from '@herald/testing';
import { type RunningEmulator, startEmulator } from '@herald/waha-emulator';
import { buildDashboard } from '../../scripts/build.ts';

export const ADMIN_KEY = 'dashboard-admin-key-0123456789';
export const EMULATOR_KEY = 'dashboard-emulator-key';

export interface DashboardStack {
  url: string;
  /** Three WAHA Core workers (one session each), not registered: the admin adds them. */
  emulators: RunningEmulator[];
  stop(): Promise<void>;
}

/**
 * What the dashboard runs against: the dashboard built as `npm start` builds it, the real gateway
 * and a dispatcher as separate processes over a fresh database, and emulated WAHA workers. `env`
 * adds to the gateway's settings (USER_AUTH=token…).
 */
export async function startDashboardStack(
  env: Record<string, string> = {},
): Promise<DashboardStack> {
  await buildDashboard();
  const database = await createTestDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const running: RunningProcess[] = [];
  const emulators: RunningEmulator[] = [];
  const stop = async () => {
    for (const p of running.reverse()) await p.stop();
    await Promise.all(emulators.map((e) => e.close()));
    await database.drop();
  };
  try {
    const gateway = startTsProcess('apps/api/src/main.ts', {
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_FILE: '',
      LOG_LEVEL: 'warn',
      DEFAULT_COUNTRY: 'TN',
      RATE_LIMIT_PER_MINUTE: '0',
      SENDER_RATE_LIMIT_PER_MINUTE: '0',
      SESSION_CREATE_LIMIT_PER_HOUR: '0',
      ...env,
    });
    running.push(gateway);
    await waitUntilReady(gateway, 'the gateway', async () => {
      // /health, not /readyz: under USER_AUTH=token the readiness probe wants a token too.
      const answer = await fetch(`${url}/health`).catch(() => null);
      return answer?.ok === true;
    });
    running.push(await startDispatcherProcess(database.url, 'dashboard-test'));
    for (let i = 0; i < 3; i += 1) {
      emulators.push(
        await startEmulator({
          apiKey: EMULATOR_KEY,
          workerId: `dashboard-${i + 1}`,
          qrRotateMs: 3000,
        }),
      );
    }
    return { url, emulators, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
