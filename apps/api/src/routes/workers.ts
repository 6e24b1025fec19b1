import { strictBoolean } from '@herald/config';
import { listWorkers, type WorkerSummary } from '@herald/db';
import { effectiveCapacity, WORKER_TIERS } from '@herald/domain';
import { normalizeBaseUrl } from '@herald/waha';
import { z } from 'zod';
import type { AppDeps, RouteModule } from '../deps.ts';
import { DateTimeText, noNul } from '../http/schemas.ts';
import {
  changeWorker,
  mustFindWorker,
  registerWorker,
  removeAllWorkers,
  removeWorker,
} from '../services/worker-registry.ts';

/** http(s) only, without credentials, query or fragment; stored as `normalizeBaseUrl` writes it. */
const WorkerUrl = z
  .url({ protocol: /^https?$/ })
  .transform((u, ctx) => {
    try {
      return normalizeBaseUrl(u);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'must not carry credentials, a query or a fragment',
      });
      return z.NEVER;
    }
  })
  .meta({ example: 'http://127.0.0.1:3101' });

const ApiKey = z
  .string()
  .min(1)
  .max(500)
  // Sent as the X-Api-Key header: anything else ("…", a space) would only fail later, per call.
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it is sent as a header)')
  .meta({ description: "The worker's WAHA_API_KEY (write-only)" });
const Capacity = z.number().int().min(1).max(100_000);
const Name = z.string().trim().min(1).max(100).refine(noNul, 'must not contain NUL');

const CreateWorkerBody = z
  .object({
    url: WorkerUrl,
    api_key: ApiKey,
    capacity: Capacity.default(10),
    name: Name.optional(),
    enabled: z.boolean().default(true),
  })
  .meta({ id: 'CreateWorkerRequest' });

const UpdateWorkerBody = z
  .object({
    url: WorkerUrl.optional(),
    api_key: ApiKey.optional(),
    capacity: Capacity.optional(),
    name: Name.optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ id: 'UpdateWorkerRequest' });

const WorkerParams = z.object({ worker_id: z.coerce.number().int().positive() });
const DeleteQuery = z.object({
  force: strictBoolean.default(false).meta({ description: 'Also end and remove its sessions' }),
});

const WorkerDto = z
  .object({
    id: z.number(),
    name: z.string(),
    url: z.string(),
    capacity: z.number(),
    enabled: z.boolean(),
    tier: z.enum(WORKER_TIERS).nullable(),
    engine: z.string().nullable(),
    version: z.string().nullable(),
    healthy: z.boolean(),
    is_healthy: z.boolean().meta({ description: 'Same as healthy (the original field name)' }),
    last_seen: DateTimeText.nullable(),
    last_error: z.string().nullable(),
    degraded_until: DateTimeText.nullable().meta({
      description:
        'Set while the circuit breaker holds the worker degraded (healthy:false, the reason in last_error): repeated timeouts or resets; a probe that answers after this brings it back',
    }),
    breaker_failures: z.number().meta({
      description: "Timeouts and resets counted in the circuit breaker's current window",
    }),
    sessions: z.number(),
    effective_capacity: z.number().meta({
      description:
        'Sessions Herald places here: 1 on WAHA Core (only the session `default`), else min(capacity, MAX_LIVE_SESSIONS)',
    }),
    created_at: DateTimeText,
  })
  .meta({ id: 'Worker' });

const DeletedWorkerDto = z
  .object({ id: z.number(), deleted: z.literal(true), ended_sessions: z.array(z.string()) })
  .meta({ id: 'DeletedWorker' });

const CleanupDto = z
  .object({
    workers_deleted: z.number(),
    sessions_deleted: z.number(),
    ended_sessions: z.array(z.string()),
  })
  .meta({ id: 'WorkerCleanup' });

function toWorkerDto(deps: AppDeps, w: WorkerSummary): z.infer<typeof WorkerDto> {
  return {
    id: w.id,
    name: w.name,
    url: w.url,
    capacity: w.capacity,
    enabled: w.enabled,
    tier: w.tier,
    engine: w.engine,
    version: w.version,
    healthy: w.healthy,
    is_healthy: w.healthy,
    last_seen: w.last_seen_at?.toISOString() ?? null,
    last_error: w.last_error,
    degraded_until: w.degraded_until?.toISOString() ?? null,
    breaker_failures: w.breaker_failures,
    sessions: w.sessions,
    effective_capacity: effectiveCapacity(w, deps.config.maxLiveSessions),
    created_at: w.created_at.toISOString(),
  };
}

export const workerRoutes: RouteModule = (r, deps) => {
  r.route({
    method: 'post',
    path: '/api/admin/workers',
    summary: 'Register a WAHA worker (probed at once)',
    tags: ['Workers'],
    access: 'admin',
    request: { body: CreateWorkerBody },
    responses: {
      201: {
        description: 'Registered; healthy:false with last_error when it did not answer',
        schema: WorkerDto,
      },
    },
    errors: [409],
    handler: async ({ body }) => ({
      status: 201,
      body: toWorkerDto(deps, await registerWorker(deps, body)),
    }),
  });

  r.route({
    method: 'get',
    path: '/api/admin/workers',
    summary: 'List workers with health and load',
    tags: ['Workers'],
    access: 'admin',
    responses: { 200: { description: 'Workers', schema: z.array(WorkerDto) } },
    handler: async () => ({
      status: 200,
      body: (await listWorkers(deps.db)).map((w) => toWorkerDto(deps, w)),
    }),
  });

  // Before /{worker_id}, so "cleanup" is never read as an id.
  r.route({
    method: 'delete',
    path: '/api/admin/workers/cleanup',
    summary: 'Remove every worker and every session',
    tags: ['Workers'],
    access: 'admin',
    responses: { 200: { description: 'What was removed', schema: CleanupDto } },
    handler: async () => ({ status: 200, body: await removeAllWorkers(deps) }),
  });

  r.route({
    method: 'get',
    path: '/api/admin/workers/{worker_id}',
    summary: 'One worker',
    tags: ['Workers'],
    access: 'admin',
    request: { params: WorkerParams },
    responses: { 200: { description: 'The worker', schema: WorkerDto } },
    errors: [404],
    handler: async ({ params }) => ({
      status: 200,
      body: toWorkerDto(deps, await mustFindWorker(deps, params.worker_id)),
    }),
  });

  r.route({
    method: 'patch',
    path: '/api/admin/workers/{worker_id}',
    summary: 'Change a worker (a new URL or key is probed at once)',
    tags: ['Workers'],
    access: 'admin',
    request: { params: WorkerParams, body: UpdateWorkerBody },
    responses: { 200: { description: 'The updated worker', schema: WorkerDto } },
    errors: [404, 409],
    handler: async ({ params, body }) => ({
      status: 200,
      body: toWorkerDto(deps, await changeWorker(deps, params.worker_id, body)),
    }),
  });

  r.route({
    method: 'delete',
    path: '/api/admin/workers/{worker_id}',
    summary: 'Delete a worker (409 while it holds sessions, unless ?force=true)',
    tags: ['Workers'],
    access: 'admin',
    request: { params: WorkerParams, query: DeleteQuery },
    responses: {
      200: {
        description: 'Deleted, with the numbers whose sessions ended',
        schema: DeletedWorkerDto,
      },
    },
    errors: [404, 409],
    handler: async ({ params, query }) => ({
      status: 200,
      body: await removeWorker(deps, params.worker_id, query.force),
    }),
  });
};
