/**
 * The adaptive send timeout: a worker's timeout sits `SEND_TIMEOUT_HEADROOM` times above the p99
 * of its recent successful sends, never below the configured floor (`SEND_TIMEOUT_MS`, which
 * already covers WAHA's status wait) and never above the cap (which stays inside the lease). So a
 * worker that grows slow but keeps answering produces SENT rather than UNKNOWN.
 */
export interface SendTimeoutBounds {
  floorMs: number;
  capMs: number;
}

/** How far above the observed p99 the timeout sits: room for a slower-than-usual call. */
export const SEND_TIMEOUT_HEADROOM = 2;

/** The `p`-th percentile (0 < p ≤ 100) by nearest rank; undefined without samples. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(100, Math.max(p, 0)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)];
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** The timeout of the next send to a worker, from its recent successful send durations (ms). */
export function adaptiveSendTimeoutMs(
  recentMs: readonly number[],
  bounds: SendTimeoutBounds,
): number {
  const p99 = percentile(recentMs, 99);
  if (p99 === undefined) return bounds.floorMs;
  return Math.round(clamp(p99 * SEND_TIMEOUT_HEADROOM, bounds.floorMs, bounds.capMs));
}
