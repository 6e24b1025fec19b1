import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createKeyCheck, isAuthCovered, UNAUTHORIZED_BODY } from './auth.ts';
import type { EmulatorContext } from './context.ts';
import {
  HttpError,
  internalErrorBody,
  nestError,
  type Reply,
  readJsonBody,
  writeJson,
  writePng,
} from './http.ts';
import { matchRoute, parseQuery, type Route } from './router.ts';

export interface EmulatorServer {
  /** Binds the port (0 = random) and returns the one bound; later calls rebind the same port. */
  listen(port: number): Promise<number>;
  /** Stops accepting and drops every open connection, held ones included. */
  goOffline(): Promise<void>;
  goOnline(): Promise<void>;
}

/** One node:http server in front of the routes: auth first, then the route, then Nest's 404. */
export function createEmulatorServer(ctx: EmulatorContext, routes: Route[]): EmulatorServer {
  const checkKey = createKeyCheck(ctx.settings.apiKey);
  const sockets = new Set<Socket>();
  let boundPort = 0;
  let listening = false;

  const server: Server = createServer((req, res) => {
    handleRequest(req, res).catch((error) => {
      ctx.log(`request failed: ${error}`);
      if (!res.headersSent) res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const query = parseQuery(url);
    if (isAuthCovered(url.pathname) && !checkKey(req, url)) {
      req.resume();
      writeJson(res, 401, UNAUTHORIZED_BODY);
      return;
    }
    // A frozen worker takes the request and never answers (the control API stays usable).
    if (ctx.faults.frozen && url.pathname.startsWith('/api/')) {
      req.resume();
      return;
    }
    let body: unknown = {};
    try {
      body = await readJsonBody(req);
      const match = matchRoute(routes, method, url.pathname);
      if (!match) throw nestError(404, `Cannot ${method} ${req.url ?? '/'}`);
      const reply = await match.route.handler({
        method,
        path: url.pathname,
        params: match.params,
        query,
        body,
        headers: req.headers,
        res,
      });
      writeReply(req, res, method, reply);
    } catch (error) {
      if (error instanceof HttpError) {
        writeJson(res, error.status, error.body);
        return;
      }
      const request = { path: req.url ?? '/', method, body, query };
      writeJson(res, 500, internalErrorBody(error, request, ctx.environment));
    }
  }

  function writeReply(req: IncomingMessage, res: ServerResponse, method: string, reply: Reply) {
    switch (reply.kind) {
      case 'json':
        // Nest answers 201 to every POST and 200 to everything else unless told otherwise.
        writeJson(res, reply.status ?? (method === 'POST' ? 201 : 200), reply.body);
        return;
      case 'png':
        writePng(res, reply.data);
        return;
      case 'hold':
        // Never answered: the socket stays open until the client gives up or we go offline.
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
    }
  }

  function listenOn(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(port, ctx.settings.host, () => {
        server.off('error', onError);
        listening = true;
        const address = server.address();
        boundPort = typeof address === 'object' && address ? address.port : port;
        resolve(boundPort);
      });
    });
  }

  return {
    listen: (port) => listenOn(port),
    async goOffline() {
      if (!listening) return;
      listening = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await closed;
    },
    async goOnline() {
      if (listening || ctx.closed) return;
      await listenOn(boundPort);
    },
  };
}
