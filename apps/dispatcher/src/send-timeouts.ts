import { adaptiveSendTimeoutMs, type SendTimeoutBounds } from '@herald/domain';

/** Successful sends remembered per worker: enough for a p99, short enough to follow a change. */
export const LATENCY_WINDOW = 200;

/**
 * The adaptive send timeout of this dispatcher: each worker's recent successful send durations, in
 * a rolling window, and the timeout they call for (`adaptiveSendTimeoutMs`). Kept in memory: it
 * only lengthens a timeout within bounds the configuration checked, so dispatchers that disagree
 * about it are each still safe.
 */
export class SendTimeouts {
  private readonly recent = new Map<number, number[]>();
  private readonly bounds: SendTimeoutBounds;
  private readonly windowSize: number;

  constructor(bounds: SendTimeoutBounds, windowSize = LATENCY_WINDOW) {
    this.bounds = bounds;
    this.windowSize = windowSize;
  }

  /** The timeout of the next send to this worker. */
  timeoutFor(workerId: number): number {
    return adaptiveSendTimeoutMs(this.recent.get(workerId) ?? [], this.bounds);
  }

  /** Remembers the duration of a send the worker answered (failures say nothing of its speed). */
  recordSuccess(workerId: number, durationMs: number): void {
    let samples = this.recent.get(workerId);
    if (!samples) {
      samples = [];
      this.recent.set(workerId, samples);
    }
    samples.push(durationMs);
    if (samples.length > this.windowSize) samples.shift();
  }

  /** Runs one send with the worker's timeout, and learns from it when it succeeds. */
  async time<T>(workerId: number, send: (timeoutMs: number) => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await send(this.timeoutFor(workerId));
    this.recordSuccess(workerId, performance.now() - started);
    return result;
  }
}
