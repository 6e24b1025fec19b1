import { TIMED_OUT, withDeadline } from '@herald/domain';
import { isWahaError } from './errors.ts';
import type { WahaClient, WahaServerVersion } from './types.ts';

/**
 * The worker cannot serve Herald at all: nothing listens, or it refuses Herald's API key. Nothing
 * was sent, and waiting changes nothing: the worker is unhealthy at once (sending pauses, its
 * sessions are DISCONNECTED) until a probe finds it back.
 */
export function workerCannotServe(error: unknown): boolean {
  return (
    isWahaError(error) && (error.code === 'CONNECTION_REFUSED' || error.code === 'UNAUTHORIZED')
  );
}

/**
 * Nothing answered: the worker is down, or too slow to answer in time. A request that needed it
 * can only be tried again later (the API's 503).
 */
export function workerDidNotAnswer(error: unknown): boolean {
  return isWahaError(error) && (error.code === 'CONNECTION_REFUSED' || error.code === 'TIMEOUT');
}

/** A probe slower than this counts as a failure. */
export const PROBE_TIMEOUT_MS = 5000;

export type ProbeResult =
  | ({ healthy: true } & Pick<WahaServerVersion, 'tier' | 'engine' | 'version'>)
  /** `definitive`: the worker cannot serve Herald; otherwise the failure may be passing. */
  | { healthy: false; error: string; definitive: boolean };

/**
 * The health check of a worker, the same for its registration and the periodic probe: its server
 * version must answer, with Herald's key, within `timeoutMs`. One call says everything the probe
 * records (refused, wrong key, too slow, or tier and engine); a fleet's probes mostly open a fresh
 * connection each (WAHA closes idle ones after 5 s), so every extra call is paid per worker.
 */
export async function probeWorker(client: WahaClient, timeoutMs: number): Promise<ProbeResult> {
  try {
    const version = await withDeadline(client.serverVersion(), timeoutMs);
    if (version === TIMED_OUT) {
      return { healthy: false, error: `probe took longer than ${timeoutMs} ms`, definitive: false };
    }
    return { healthy: true, tier: version.tier, engine: version.engine, version: version.version };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { healthy: false, error: message, definitive: workerCannotServe(error) };
  }
}
