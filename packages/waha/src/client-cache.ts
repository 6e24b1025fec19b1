import { createWahaClient, normalizeBaseUrl } from './client.ts';
import type { WahaClient, WahaClientOptions } from './types.ts';

export interface WahaClientCache {
  /** The client of a worker: one Pool per URL, replaced when the worker's key changes. */
  clientFor(worker: { url: string; apiKey: string | null }): WahaClient;
  /**
   * A client of its own, with one connection and not kept: for the calls made once in a long
   * while (a worker's probe, every 15 s), which find WAHA's 5 s keep-alive gone anyway. Keeping a
   * pool for every probed worker would hold tens of KiB each across a fleet. The caller closes it.
   */
  oneOffClient(worker: { url: string; apiKey: string | null }): WahaClient;
  /** Closes every client, waiting for their calls in flight. */
  closeAll(): Promise<void>;
}

/**
 * Workers come from the database, so a process resolves them on every job; this keeps one
 * keep-alive pool per worker instead of a socket per call. A rotated key closes the old pool
 * gracefully (its calls in flight finish) and later calls go through a pool with the new key.
 */
export function createWahaClientCache(
  options: Pick<WahaClientOptions, 'timeoutMs' | 'connections' | 'observe'> = {},
): WahaClientCache {
  const entries = new Map<string, { apiKey: string | null; client: WahaClient }>();
  const closing = new Set<Promise<void>>();

  function retire(client: WahaClient): void {
    const done = client
      .close()
      .catch(() => {})
      .finally(() => closing.delete(done));
    closing.add(done);
  }

  return {
    clientFor(worker) {
      const url = normalizeBaseUrl(worker.url);
      const apiKey = worker.apiKey || null;
      const entry = entries.get(url);
      if (entry && entry.apiKey === apiKey) return entry.client;
      if (entry) retire(entry.client);
      const client = createWahaClient({ ...options, baseUrl: url, apiKey });
      entries.set(url, { apiKey, client });
      return client;
    },
    oneOffClient(worker) {
      return createWahaClient({
        ...options,
        baseUrl: normalizeBaseUrl(worker.url),
        apiKey: worker.apiKey || null,
        connections: 1,
      });
    },
    async closeAll() {
      for (const { client } of entries.values()) retire(client);
      entries.clear();
      await Promise.all([...closing]);
    },
  };
}
