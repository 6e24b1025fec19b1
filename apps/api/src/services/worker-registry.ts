import {
  deleteAllSessions,
  deleteAllWorkers,
  deleteSessionRow,
  deleteWorkerRow,
  findWorker,
  findWorkerCredentials,
  insertWorker,
  isUniqueViolation,
  listWorkerSessions,
  listWorkers,
  recordProbe,
  updateWorkerSettings,
  type WorkerSettings,
  type WorkerSummary,
} from '@herald/db';
import { conflict, notFound } from '@herald/domain';
import { PROBE_TIMEOUT_MS, probeWorker } from '@herald/waha';
import type { AppDeps } from '../deps.ts';
import { endOnWorker } from './session-state.ts';

export interface WorkerInput {
  url: string;
  api_key: string;
  capacity: number;
  name?: string | undefined;
  enabled: boolean;
}

const duplicateUrl = (url: string) =>
  conflict('WORKER_EXISTS', `A worker with the URL ${url} is already registered`, { url });

/**
 * Registers a worker and probes it at once. A worker that does not answer yet is still stored
 * (healthy:false with the reason in last_error, 201): workers are often registered before they
 * finish booting, and the prober brings them in as soon as they answer.
 */
export async function registerWorker(deps: AppDeps, input: WorkerInput): Promise<WorkerSummary> {
  const id = await insertWorker(deps.db, {
    url: input.url,
    api_key: input.api_key,
    capacity: input.capacity,
    enabled: input.enabled,
    name: input.name ?? new URL(input.url).host,
  });
  if (id === undefined) throw duplicateUrl(input.url);
  await probeWorkerNow(deps, id, input);
  deps.logger.info('worker registered', { workerId: id, url: input.url });
  return mustFindWorker(deps, id);
}

/**
 * The same health check as the dispatchers' prober. A worker just registered (or re-keyed) that
 * fails it is unhealthy at once, whatever the failure: nothing has vouched for it yet.
 */
async function probeWorkerNow(deps: AppDeps, id: number, worker: { url: string; api_key: string }) {
  const client = deps.waha.clientFor({ url: worker.url, apiKey: worker.api_key });
  const probe = await probeWorker(client, PROBE_TIMEOUT_MS);
  await recordProbe(deps.db, id, probe, { threshold: 1 });
  if (!probe.healthy) deps.logger.warn('worker probe failed', { workerId: id, error: probe.error });
}

export async function mustFindWorker(deps: AppDeps, id: number): Promise<WorkerSummary> {
  const worker = await findWorker(deps.db, id);
  if (!worker) throw notFound('WORKER_NOT_FOUND', `No worker with id ${id}`);
  return worker;
}

/** PATCH: a new URL or key is probed right away, so the answer shows whether it works. */
export async function changeWorker(
  deps: AppDeps,
  id: number,
  settings: WorkerSettings,
): Promise<WorkerSummary> {
  const current = await mustFindWorker(deps, id);
  try {
    await updateWorkerSettings(deps.db, id, settings);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateUrl(settings.url ?? current.url);
    throw error;
  }
  if (settings.url !== undefined || settings.api_key !== undefined) {
    const credentials = await findWorkerCredentials(deps.db, id);
    if (credentials) await probeWorkerNow(deps, id, credentials);
  }
  deps.logger.info('worker updated', { workerId: id, fields: Object.keys(settings) });
  return mustFindWorker(deps, id);
}

/**
 * DELETE: refused while the worker holds sessions, unless forced; a forced delete ends those
 * sessions on the worker (best effort) and removes their rows. Returns the numbers it ended.
 */
export async function removeWorker(deps: AppDeps, id: number, force: boolean) {
  const worker = await mustFindWorker(deps, id);
  const sessions = await listWorkerSessions(deps.db, id);
  if (sessions.length > 0 && !force) {
    throw conflict(
      'WORKER_HAS_SESSIONS',
      `Worker ${id} holds ${sessions.length} session(s); delete them first or add ?force=true`,
      { sessions: sessions.length, phone_numbers: sessions.map((s) => s.phone_number) },
    );
  }
  const ended = await endSessions(deps, id, sessions);
  await deleteWorkerRow(deps.db, id);
  deps.logger.info('worker deleted', {
    workerId: id,
    url: worker.url,
    endedSessions: ended.length,
  });
  return { id, deleted: true as const, ended_sessions: ended };
}

async function endSessions(
  deps: AppDeps,
  workerId: number,
  sessions: { phone_number: string; waha_session: string }[],
): Promise<string[]> {
  await Promise.all(sessions.map((s) => endOnWorker(deps, workerId, s.waha_session)));
  for (const s of sessions) await deleteSessionRow(deps.db, s.phone_number);
  return sessions.map((s) => s.phone_number);
}

/** DELETE /api/admin/workers/cleanup: every worker and every session goes. */
export async function removeAllWorkers(deps: AppDeps) {
  const workers = await listWorkers(deps.db);
  const ended: string[] = [];
  // Workers in parallel: each one that is down costs its full deadline.
  const perWorker = await Promise.all(
    workers.map(async (w) => endSessions(deps, w.id, await listWorkerSessions(deps.db, w.id))),
  );
  ended.push(...perWorker.flat());
  // Sessions left without a worker (their worker was deleted earlier) go too.
  ended.push(...(await deleteAllSessions(deps.db)));
  const workersDeleted = await deleteAllWorkers(deps.db);
  deps.logger.warn('all workers and sessions removed', {
    workers: workersDeleted,
    sessions: ended.length,
  });
  return { workers_deleted: workersDeleted, sessions_deleted: ended.length, ended_sessions: ended };
}
