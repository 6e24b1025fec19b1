import { listWorkers } from '@herald/db';
import { HeraldError } from '@herald/domain';
import { normalizeBaseUrl } from '@herald/waha';
import type { ApiConfig } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { registerWorker } from './worker-registry.ts';

/**
 * Registers the workers of WAHA_WORKERS that are not registered yet, so a deployment's fleet
 * exists from its first start; a worker already there is left as an admin may have changed it.
 * Idempotent, and safe with several gateways starting at once (the URL is unique).
 */
export async function registerConfiguredWorkers(deps: AppDeps, config: ApiConfig): Promise<void> {
  const known = new Set((await listWorkers(deps.db)).map((w) => w.url));
  const missing = config.wahaWorkers.filter((w) => !known.has(normalizeBaseUrl(w.url)));
  await Promise.all(
    missing.map((worker) =>
      registerWorker(deps, {
        url: normalizeBaseUrl(worker.url),
        name: worker.name,
        api_key: config.wahaWorkersApiKey ?? '',
        capacity: config.wahaWorkersCapacity,
        enabled: true,
      }).catch((error: unknown) => {
        // Another gateway registered it first.
        if (error instanceof HeraldError && error.code === 'WORKER_EXISTS') return;
        throw error;
      }),
    ),
  );
  deps.logger.info('configured workers checked', {
    configured: config.wahaWorkers.length,
    registered: missing.length,
  });
}
