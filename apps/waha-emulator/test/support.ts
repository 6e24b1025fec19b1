import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@herald/testing';
import { request } from 'undici';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../src/index.ts';

export const API_KEY = 'test-key-0123456789';

/** A parsed JSON body; the assertions are what check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are read freely and asserted on.
export type Json = any;

/** Fast timings so the whole flow runs in milliseconds; each test overrides what it checks. */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({
    apiKey: API_KEY,
    statusWaitMs: 150,
    startingDelayMs: 0,
    qrRotateMs: 60_000,
    qrTimeoutMs: 60_000,
    ackDelaysMs: [20, 40, 60],
    ...options,
  });
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** Parsed JSON, or null for an empty body. */
  body: Json;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** Send no API key at all. */
  noKey?: boolean;
  headersTimeout?: number;
}

/** Calls the emulator over real HTTP with undici, sending the test key unless told not to. */
export async function call(
  emulator: RunningEmulator,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (!options.noKey && emulator.apiKey) headers['x-api-key'] ??= emulator.apiKey;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(`${emulator.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: options.headersTimeout,
  });
  const raw = Buffer.from(await response.body.arrayBuffer());
  const type = String(response.headers['content-type'] ?? '');
  return {
    status: response.statusCode,
    headers: response.headers,
    raw,
    body: raw.length > 0 && type.includes('json') ? JSON.parse(raw.toString('utf8')) : null,
  };
}

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  raw: string;
  body: Json;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  /** Events of one type (and session, when given), in arrival order. */
  events(event: string, session?: string): Json[];
  close(): Promise<void>;
}

/** A local webhook endpoint; `answer` picks the status of each delivery (default 200). */
export async function startWebhookReceiver(
  answer: (hook: ReceivedHook, index: number) => number = () => 200,
): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const hook = { headers: req.headers, raw, body: JSON.parse(raw) };
    received.push(hook);
    res.writeHead(answer(hook, received.length - 1)).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    events: (event, session) =>
      received
        .map((hook) => hook.body)
        .filter((body) => body.event === event && (!session || body.session === session)),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function statusOf(emulator: RunningEmulator, name: string): string | undefined {
  return emulator.sessions().find((session) => session.name === name)?.status;
}

export async function waitForStatus(emulator: RunningEmulator, name: string, status: string) {
  await waitFor(() => statusOf(emulator, name) === status, {
    what: `session ${name} to be ${status}`,
  });
}

/** Creates (Plus) or reuses (Core `default`) a session, starts it and scans it with `phone`. */
export async function startWorkingSession(
  emulator: RunningEmulator,
  name = 'default',
  phone = '15550001111',
  config?: Record<string, unknown>,
): Promise<void> {
  if (emulator.tier === 'PLUS') {
    const created = await call(emulator, 'POST', '/api/sessions', { name, config, start: true });
    if (created.status !== 201) throw new Error(`create failed: ${created.raw}`);
  } else {
    if (config) await call(emulator, 'PUT', `/api/sessions/${name}`, { config });
    const started = await call(emulator, 'POST', `/api/sessions/${name}/start`);
    if (started.status !== 201) throw new Error(`start failed: ${started.raw}`);
  }
  await waitForStatus(emulator, name, 'SCAN_QR_CODE');
  emulator.scan(name, phone);
  await waitForStatus(emulator, name, 'WORKING');
}
