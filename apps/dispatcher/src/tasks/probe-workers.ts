import {
  bringLookupsForward,
  claimDueWorkers,
  listSessionsOfWorkers,
  type ProbeTarget,
  recordHealthyProbes,
  recordProbe,
  type WorkerSession,
} from '@herald/db';
import {
  PROBE_TIMEOUT_MS,
  type ProbeResult,
  probeWorker,
  type WahaClient,
  type WahaClientCache,
} from '@herald/waha';
import { type PeriodicTask, startPeriodicTasks } from '../periodic.ts';
import {
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
  /** A probe slower than this counts as a failure (default PROBE_TIMEOUT_MS). */
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

const DEFAULTS = {
  intervalSeconds: 15,
  batchSize: 50,
  failureThreshold: 2,
  probeTimeoutMs: PROBE_TIMEOUT_MS,
};

/**
 * One pass: claims the workers due for a probe (each goes to exactly one dispatcher) and probes
 * them, then reconciles the sessions of those that answered and disconnects those of the ones
 * that turned unhealthy. A worker its circuit breaker degraded comes back at the first probe
 * that answers after its cool-down (`recordHealthyProbes`). The workers that answered (nearly
 * all, nearly always) are recorded and their sessions read in one statement each for the whole
 * batch: per-worker statements were most of what probing a large fleet cost.
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
  if (due.length === 0) return [];
  const probed = await Promise.all(
    due.map(async (worker) => {
      const client = deps.wahaClients.oneOffClient({ url: worker.url, apiKey: worker.api_key });
      return { worker, client, probe: await probeWorker(client, settings.probeTimeoutMs) };
    }),
  );
  try {
    const answered = probed.flatMap(({ worker, probe }) =>
      probe.healthy ? [{ ...probe, id: worker.id }] : [],
    );
    const stored = await recordHealthyProbes(deps.db, answered);
    const sessions = await listSessionsOfWorkers(
      deps.db,
      answered.map((p) => p.id),
    );
    const reports = await Promise.all(
      probed.map((p) =>
        finishProbe(
          deps,
          p,
          { healthy: stored.get(p.worker.id) ?? false, sessions: sessions.get(p.worker.id) ?? [] },
          settings,
        ),
      ),
    );
    for (const report of reports) options.onProbe?.(report);
    return reports;
  } finally {
    // Not awaited: the call of a worker that hung is still in flight until its own timeout.
    for (const { client } of probed) client.close().catch(() => undefined);
  }
}

async function finishProbe(
  deps: ProbeDeps,
  { worker, client, probe }: { worker: ProbeTarget; client: WahaClient; probe: ProbeResult },
  /** For a worker that answered: the health recorded for it, and its sessions' rows. */
  answered: { healthy: boolean; sessions: WorkerSession[] },
  settings: typeof DEFAULTS,
): Promise<ProbeReport> {
  const base = { workerId: worker.id, claimedAt: worker.claimed_at };
  if (!probe.healthy) {
    const stored = await recordProbe(deps.db, worker.id, probe, {
      threshold: settings.failureThreshold,
    });
    if (worker.healthy && !stored.healthy) {
      deps.logger.warn('worker unhealthy', { workerId: worker.id, error: probe.error });
    }
    if (stored.disconnected.length > 0) {
      deps.logger.warn('worker unreachable: sessions disconnected', {
        workerId: worker.id,
        sessions: stored.disconnected,
      });
    }
    return {
      ...base,
      healthy: stored.healthy,
      error: probe.error,
      disconnected: stored.disconnected,
    };
  }
  // It answered, so its sessions are what it says, even while its circuit breaker holds it.
  const { healthy } = answered;
  if (!worker.healthy && healthy) {
    // Its senders' UNKNOWNs were left unanswered while it was away: ask about them now.
    const lookups = await bringLookupsForward(deps.db, worker.id);
    deps.logger.info('worker healthy', { workerId: worker.id, tier: probe.tier, lookups });
  }
  try {
    const reconciled = await reconcileWorkerSessions(deps, worker.id, client, answered.sessions);
    return { ...base, healthy, reconciled };
  } catch (error) {
    deps.logger.warn('session reconciliation failed', {
      workerId: worker.id,
      error: String(error),
    });
    return { ...base, healthy };
  }
}

/**
 * The probe as a dispatcher periodic task. It looks for due workers every second or so (more
 * often than the interval, so a worker's probe is late by at most that); the claim, not this
 * timer, spaces each worker's probes by the interval.
 */
export function createProbeTask(deps: ProbeDeps, options: ProbeOptions = {}): PeriodicTask {
  const intervalSeconds = options.intervalSeconds ?? DEFAULTS.intervalSeconds;
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  return {
    name: 'probe-workers',
    intervalMs: Math.min(1000, (intervalSeconds * 1000) / 2),
    async run(signal) {
      // A full batch means more may be due: claim again now, or a fleet larger than a batch per
      // tick (50 a second by default) would be probed less often than the interval says.
      let claimed: number;
      do claimed = (await probeDueWorkers(deps, options)).length;
      while (claimed === batchSize && !signal.aborted);
    },
  };
}

/** Runs the probe task on its own (outside startDispatcher); stop() ends it. */
export function startWorkerProbing(deps: ProbeDeps, options: ProbeOptions = {}) {
  return startPeriodicTasks([createProbeTask(deps, options)], deps.logger);
}
