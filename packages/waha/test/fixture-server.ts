import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fixture server read it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FixtureServer {
  url: string;
  port: number;
  /** Every request read so far, in arrival order. */
  requests: SeenRequest[];
  /** Resolves once `count` requests have been read; a loaded machine may read one late. */
  requestsReceived(count: number): Promise<SeenRequest[]>;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export type FixtureHandler = (
  request: SeenRequest,
  res: ServerResponse,
  req: IncomingMessage,
) => void | Promise<void>;

/**
 * A plain node:http server whose handler decides, per request, what goes wrong: transport-level
 * failures (a reset after the request arrived, a reply that never comes) must be deterministic,
 * which an emulator's fault rates are not.
 */
export async function startFixtureServer(handler: FixtureHandler): Promise<FixtureServer> {
  const requests: SeenRequest[] = [];
  const arrivals = new EventEmitter();
  let connections = 0;
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
    requests.push(seen);
    arrivals.emit('request');
    await handler(seen, res, req);
  });
  server.on('connection', () => {
    connections += 1;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closed: Promise<unknown> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    async requestsReceived(count) {
      const timeout = AbortSignal.timeout(10_000);
      while (requests.length < count) await once(arrivals, 'request', { signal: timeout });
      return requests;
    },
    connections: () => connections,
    async close() {
      if (!closed) {
        closed = once(server, 'close');
        server.closeAllConnections();
        server.close();
      }
      await closed;
    },
  };
}

/** Answers JSON the way WAHA's NestJS does. */
export function replyJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** A port on which nothing listens (it was free a moment ago). */
export async function findClosedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
