import { z } from 'zod';
import type { RouteModule } from '../deps.ts';

const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
const Readiness = z
  .object({
    ready: z.boolean(),
    checks: z.object({ database: z.string(), migrations: z.string(), queue: z.string() }),
  })
  .meta({ id: 'Readiness' });

/**
 * Probes and metrics for orchestrators and Prometheus. Open like /health: they reveal counts and
 * states, never a number, a key or a message (per-sender labels only with METRICS_PER_SENDER).
 */
export const observabilityRoutes: RouteModule = (r, deps) => {
  r.route({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process answers',
    tags: ['Operations'],
    access: 'open',
    responses: { 200: { description: 'Alive', schema: Health } },
    handler: async () => ({ status: 200, body: { status: 'ok' } }),
  });
  r.route({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: database reachable, migrations applied, pg-boss started',
    tags: ['Operations'],
    access: 'open',
    responses: {
      200: { description: 'Ready', schema: Readiness },
      503: { description: 'Not ready; `checks` says what is wrong', schema: Readiness },
    },
    handler: async () => {
      const readiness = await deps.readiness();
      return { status: readiness.ready ? 200 : 503, body: readiness };
    },
  });
  r.route({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format)',
    tags: ['Operations'],
    access: 'open',
    responses: {
      200: { description: 'Metrics', schema: z.string(), contentType: 'text/plain; version=0.0.4' },
    },
    handler: async () => ({
      status: 200,
      body: await deps.metrics.registry.metrics(),
      headers: { 'content-type': deps.metrics.registry.contentType },
    }),
  });
};
