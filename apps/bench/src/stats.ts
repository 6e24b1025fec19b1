export interface Summary {
  n: number;
  mean: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank quantiles: every reported value is one that was actually measured. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('nothing to summarize');
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    n: sorted.length,
    mean: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
    min: sorted[0] as number,
    p50: at(0.5) as number,
    p95: at(0.95) as number,
    p99: at(0.99) as number,
    max: sorted[sorted.length - 1] as number,
  };
}

export const fmtMs = (ms: number, digits = 0) => `${ms.toFixed(digits)} ms`;
export const fmtSeconds = (s: number, digits = 2) => `${s.toFixed(digits)} s`;
export const fmtMiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
