import { type RunningProcess, startNodeProcess, startTsProcess, waitFor } from '@herald/testing';
import type { AcceptedMessage } from '@herald/waha-emulator';
import { Pool } from 'undici';
import { readCpuSeconds } from './proc.ts';

export interface DirectTarget {
  /** Base URLs of the workers, each with the sessions to send from. */
  workers: { url: string; apiKey: string | null; sessions: string[] }[];
  pid: number;
  stop(): Promise<void>;
}

export interface DirectRate {
  sendsPerSecond: number;
  sends: number;
  /** CPU the target process used per second of the run (1 = one core). */
  targetCores: number;
}

const API_KEY = 'bench-direct-key-0123456789';

/**
 * The WAHA emulator CLI (`apps/waha-emulator/src/main.ts`) in its own process, `workers` Plus
 * workers on random ports, each with `sessionsPerWorker` sessions WORKING (started through the
 * API, scanned through the control API), acks far off so none fires during a run.
 */
export async function startEmulatorProcess(
  workers: number,
  sessionsPerWorker: number,
): Promise<DirectTarget> {
  const child = startTsProcess(
    'apps/waha-emulator/src/main.ts',
    { WAHA_API_KEY: API_KEY },
    ['--workers', String(workers), '--base-port', '0', '--tier', 'plus', '--quiet'].concat([
      '--starting-delay-ms',
      '0',
      '--ack-delays-ms',
      '3600000,3600000,3600000',
    ]),
  );
  const lines = () =>
    child
      .output()
      .split('\n')
      .filter((l) => / tier=PLUS /.test(l));
  await waitFor(() => lines().length === workers, { timeoutMs: 90_000, what: 'the emulator' });
  const urls = lines().map((l) => l.split(' ')[1] as string);
  const headers = { 'content-type': 'application/json', 'x-api-key': API_KEY };
  // Workers pair their sessions side by side (one after another within a worker): thousands of
  // sessions are ready in seconds.
  const targets = await Promise.all(
    urls.map(async (url, w) => {
      const sessions = Array.from({ length: sessionsPerWorker }, (_, s) =>
        String(21650000000 + w * 1000 + s),
      );
      for (const name of sessions) {
        await fetch(`${url}/api/sessions/start`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name }),
        }).then((r) => r.text());
        const scanned = await fetch(`${url}/_emulator/sessions/${name}/scan`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ phone: name }),
        });
        if (!scanned.ok) throw new Error(`scan ${name}: ${scanned.status} ${await scanned.text()}`);
      }
      return { url, apiKey: API_KEY, sessions };
    }),
  );
  return { workers: targets, pid: child.child.pid as number, stop: () => stopChild(child) };
}

/** Every message the workers of an emulator process accepted, from its control API. */
export async function readAcceptedMessages(target: DirectTarget): Promise<AcceptedMessage[]> {
  const logs = await Promise.all(
    target.workers.map(async ({ url }) => {
      const response = await fetch(`${url}/_emulator/messages`);
      if (!response.ok) throw new Error(`${url}/_emulator/messages answered ${response.status}`);
      return (await response.json()) as AcceptedMessage[];
    }),
  );
  return logs.flat();
}

/** A minimal WAHA stand-in: node:http answering every send 201 with an id, nothing else. */
export async function startStandIn(): Promise<DirectTarget> {
  const code = `
    const http = require('node:http'); let n = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({ id: 'true_x@c.us_' + (++n) });
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));`;
  const child = startNodeProcess(['-e', code], {});
  const port = await waitFor(() => child.output().match(/listening (\d+)/)?.[1], {
    timeoutMs: 30_000,
    what: 'the stand-in',
  });
  return {
    workers: [{ url: `http://127.0.0.1:${port}`, apiKey: null, sessions: ['default'] }],
    pid: child.child.pid as number,
    stop: () => stopChild(child),
  };
}

/**
 * Emulated workers running in this process (the bench world's), sender `i` on worker `i % n`
 * as the scenarios place them: lane `i` of `measureDirectRate` then sends from sender `i`.
 */
export function inProcessTarget(
  workers: readonly { emulator: { url: string; apiKey: string | null } }[],
  senderAt: (i: number) => string,
  senders: number,
): DirectTarget {
  return {
    workers: workers.map(({ emulator }, w) => ({
      url: emulator.url,
      apiKey: emulator.apiKey,
      sessions: Array.from({ length: Math.ceil((senders - w) / workers.length) }, (_, k) =>
        senderAt(w + k * workers.length),
      ),
    })),
    pid: process.pid,
    stop: async () => {},
  };
}

async function stopChild(child: RunningProcess): Promise<void> {
  await child.kill();
}

/**
 * Sends POST /api/sendText as fast as answers come, `concurrency` requests in flight spread over
 * the workers and their sessions, for `seconds`; every answer must be a 201.
 */
export async function measureDirectRate(
  target: DirectTarget,
  concurrency: number,
  seconds: number,
): Promise<DirectRate> {
  const pools = target.workers.map((w) => new Pool(w.url, { connections: concurrency }));
  let sends = 0;
  let failure: Error | undefined;
  const cpuBefore = await readCpuSeconds(target.pid);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const lane = async (lane: number) => {
    const w = lane % target.workers.length;
    const worker = target.workers[w] as DirectTarget['workers'][number];
    const pool = pools[w] as Pool;
    const session =
      worker.sessions[Math.floor(lane / target.workers.length) % worker.sessions.length];
    let i = 0;
    while (performance.now() < deadline && !failure) {
      const response = await pool.request({
        path: '/api/sendText',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(worker.apiKey ? { 'x-api-key': worker.apiKey } : {}),
        },
        body: JSON.stringify({ session, chatId: `2169${lane}${i++}@c.us`, text: 'Hello' }),
      });
      const text = await response.body.text();
      if (response.statusCode !== 201) failure = new Error(`${response.statusCode}: ${text}`);
      else sends++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => lane(i)));
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = await readCpuSeconds(target.pid);
  await Promise.all(pools.map((p) => p.close()));
  if (failure) throw failure;
  return { sendsPerSecond: sends / elapsed, sends, targetCores: (cpuAfter - cpuBefore) / elapsed };
}
