import { type RunningProcess, startTsProcess, waitUntilReady } from './process.ts';
import { waitFor } from './wait-for.ts';

export interface EmulatorProcess {
  url: string;
  apiKey: string;
  process: RunningProcess;
}

/**
 * One emulated WAHA worker as its own process (`apps/waha-emulator/src/main.ts`, Plus, NOWEB) on
 * a fixed port, keeping its sessions and messages in `dataDir`: killed with -9 and started again
 * with the same folder, it is the same worker, as WAHA with a persistent store is.
 */
export async function startEmulatorProcess(options: {
  port: number;
  apiKey: string;
  dataDir: string;
}): Promise<EmulatorProcess> {
  const child = startTsProcess('apps/waha-emulator/src/main.ts', {}, [
    '--base-port',
    String(options.port),
    '--tier',
    'plus',
    '--api-key',
    options.apiKey,
    '--data-dir',
    options.dataDir,
    '--status-wait-ms',
    '300',
    '--starting-delay-ms',
    '0',
    '--ack-delays-ms',
    '200,400,800',
    '--quiet',
  ]);
  const url = `http://127.0.0.1:${options.port}`;
  await waitUntilReady(child, `emulator on ${options.port}`, () => child.output().includes(url));
  return { url, apiKey: options.apiKey, process: child };
}

/** The emulator's control API (no key). */
export async function emulatorControl<T>(url: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Creates a Plus session named `phone` with `config`, starts it and scans it: WORKING. */
export async function pairEmulatorSession(
  emulator: { url: string; apiKey: string },
  phone: string,
  config: Record<string, unknown>,
): Promise<void> {
  const created = await fetch(`${emulator.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': emulator.apiKey },
    body: JSON.stringify({ name: phone, start: true, config }),
  });
  if (created.status !== 201) throw new Error(`creating ${phone}: ${await created.text()}`);
  const statusOf = async () =>
    (
      await emulatorControl<{ name: string; status: string }[]>(emulator.url, '/_emulator/sessions')
    ).find((s) => s.name === phone)?.status;
  await waitFor(async () => (await statusOf()) === 'SCAN_QR_CODE', { what: `${phone} QR` });
  await emulatorControl(emulator.url, `/_emulator/sessions/${phone}/scan`, { phone });
  await waitFor(async () => (await statusOf()) === 'WORKING', { what: `${phone} WORKING` });
}
