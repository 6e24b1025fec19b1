import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Database, MIGRATION_NAMES, pendingMigrations } from '@herald/db';
import { TIMED_OUT, withDeadline } from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  /** `ok`, or what is wrong. */
  checks: { database: string; migrations: string; queue: string };
}

const CHECK_TIMEOUT_MS = 2_000;

/** Ready: the database answers, every migration of this build is applied, pg-boss runs. */
export async function checkReadiness(
  db: Kysely<Database>,
  queueStarted: () => boolean,
): Promise<Readiness> {
  const checks = { database: 'ok', migrations: 'ok', queue: 'ok' };
  const answered = await withDeadline(
    sql`SELECT 1`.execute(db).then(
      () => 'ok',
      (error: unknown) => `unreachable: ${error instanceof Error ? error.message : error}`,
    ),
    CHECK_TIMEOUT_MS,
  );
  checks.database = answered === TIMED_OUT ? 'no answer within 2 s' : answered;
  if (checks.database === 'ok') {
    const pending = await pendingMigrations(db, MIGRATION_NAMES);
    if (pending.length > 0) checks.migrations = `not applied: ${pending.join(', ')}`;
  } else {
    checks.migrations = 'unknown (database unreachable)';
  }
  if (!queueStarted()) checks.queue = 'pg-boss is not running';
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

export interface ObservabilityServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A dispatcher's own small server (it has no API): `/healthz` (the process answers), `/readyz`
 * (503 until ready) and `/metrics` (Prometheus text format).
 */
export async function startObservabilityServer(options: {
  port: number;
  host: string;
  registry: Registry;
  readiness: () => Promise<Readiness>;
}): Promise<ObservabilityServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    const json = 'application/json; charset=utf-8';
    if (req.method !== 'GET') return reply(405, json, '{"error":"GET only"}');
    if (path === '/healthz') return reply(200, json, '{"status":"ok"}');
    if (path === '/readyz') {
      options.readiness().then(
        (r) => reply(r.ready ? 200 : 503, json, JSON.stringify(r)),
        (error: unknown) =>
          reply(503, json, JSON.stringify({ ready: false, error: String(error) })),
      );
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => reply(200, options.registry.contentType, text),
        (error: unknown) => reply(500, 'text/plain', `metrics failed: ${String(error)}\n`),
      );
      return;
    }
    reply(404, json, '{"error":"not found: /healthz, /readyz, /metrics"}');
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
