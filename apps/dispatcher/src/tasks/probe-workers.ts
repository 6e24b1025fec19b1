import {
  claimDueWorkers,
  type ProbeTarget,
  recordProbeFailure,
  recordProbeSuccess,
} from '@herald/db';
import { isWahaError, type WahaClient, type WahaClientCache } from '@herald/waha';
import { type PeriodicTask, startPeriodicTasks } from '../periodic.ts';
import {
  disconnectWorkerSessions,
  type ReconcileReport,
  reconcileWorkerSessions,
  type SessionTaskDeps,
} from './reconcile-sessions.ts';

export interface ProbeDeps extends SessionTaskDeps {
  wahaClients: WahaClientCache;
}

export interface ProbeOptions {
  /** Each worker is probed once per this many seconds, across all dispatchers (default 15). */
  intervalSeconds?: number;
  /** Workers claimed per pass (default 50). */
  batchSize?: number;
  /** Consecutive transient failures before a worker is unhealthy (default 2). */
  failureThreshold?: number;
  /** A probe slower than this counts as a failure (default 5000). */
  probeTimeoutMs?: number;
  /** Told about every probe; for monitoring and tests. */
  onProbe?: (report: ProbeReport) => void;
}

export interface ProbeReport {
  workerId: number;
  /** When the worker was claimed (database clock). */
  claimedAt: Date;
  healthy: boolean;
  error?: string;
  reconciled?: ReconcileReport;
  disconnected?: string[];
}

const DEFAULTS = { intervalSeconds: 15, batchSize: 50, failureThreshold: 2, probeTimeoutMs: 5000 };

/**
 * One pass: claims the workers due for a probe (each goes to exactly one dispatcher) and probes
 * them, then reconciles the sessions of those that answered and disconnects those of the ones
 * that turned unhealthy.
 */
export async function probeDueWorkers(
  deps: ProbeDeps,
  options: ProbeOptions = {},
): Promise<ProbeReport[]> {
  const settings = { ...DEFAULTS, ...options };
  const due = await claimDueWorkers(deps.db, {
    intervalSeconds: settings.intervalSeconds,
    limit: settings.batchSize,
  });
  const reports = await Promise.all(due.map((worker) => probeWorker(deps, worker, settings)));
  for (const report of reports) options.onProbe?.(report);
  return reports;
}

async function probeWorker(
  deps: ProbeDeps,
  worker: ProbeTarget,
  settings: typeof DEFAULTS,
): Promise<ProbeReport> {
  const client = deps.wahaClients.clientFor({ url: worker.url, apiKey: worker.api_key });
  const base = { workerId: worker.id, claimedAt: worker.claimed_at };
  try {
    const version = await withTimeout(checkServer(client), settings.probeTimeoutMs);
    await recordProbeSuccess(deps.db, worker.id, {
      tier: version.tier,
      engine: version.engine,
      version: version.version,
    });
    if (!worker.healthy)
      deps.logger.info('worker healthy', { workerId: worker.id, tier: version.tier });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Nothing listening, or the key refused: waiting for a second failure would change nothing.
    const definitive =
      isWahaError(error) && (error.code === 'CONNECTION_REFUSED' || error.code === 'UNAUTHORIZED');
    const stored = await recordProbeFailure(deps.db, worker.id, {
      error: message,
      definitive,
      threshold: settings.failureThreshold,
    });
    const healthy = stored?.healthy ?? false;
    if (worker.healthy && !healthy)
      deps.logger.warn('worker unhealthy', { workerId: worker.id, error: message });
    const disconnected = healthy ? [] : await disconnectWorkerSessions(deps, worker.id);
    return { ...base, healthy, error: message, disconnected };
  }
  try {
    const reconciled = await reconcileWorkerSessions(deps, worker.id, client);
    return { ...base, healthy: true, reconciled };
  } catch (error) {
    deps.logger.warn('session reconciliation failed', {
      workerId: worker.id,
      error: String(error),
    });
    return { ...base, healthy: true };
  }
}

/** ping (no key), status and version (key): all three must answer for a healthy worker. */
async function checkServer(client: WahaClient) {
  await client.ping();
  await client.serverStatus();
  return client.serverVersion();
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`probe took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The probe as a dispatcher periodic task. It looks for due workers every second or so (more
 * often than the interval, so a worker's probe is late by at most that); the claim, not this
 * timer, spaces each worker's probes by the interval.
 */
export function createProbeTask(deps: ProbeDeps, options: ProbeOptions = {}): PeriodicTask {
  const intervalSeconds = options.intervalSeconds ?? DEFAULTS.intervalSeconds;
  return {
    name: 'probe-workers',
    intervalMs: Math.min(1000, (intervalSeconds * 1000) / 2),
    run: () => probeDueWorkers(deps, options),
  };
}

/** Runs the probe task on its own (outside startDispatcher); stop() ends it. */
export function startWorkerProbing(deps: ProbeDeps, options: ProbeOptions = {}) {
  return startPeriodicTasks([createProbeTask(deps, options)], deps.logger);
}
