import type { WorkerTier } from './statuses.ts';

/**
 * How many sessions Herald places on a worker. WAHA Core serves only the session `default`, so a
 * Core worker holds one whatever its capacity; otherwise MAX_LIVE_SESSIONS caps every worker.
 */
export function effectiveCapacity(
  worker: { tier: WorkerTier | null; capacity: number },
  maxLiveSessions: number,
): number {
  if (worker.tier === 'CORE') return 1;
  return Math.min(worker.capacity, maxLiveSessions);
}
