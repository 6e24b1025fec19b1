import {
  adaptiveSendTimeoutMs,
  SEND_TIMEOUT_HEADROOM,
  type SendTimeoutBounds,
} from '@herald/domain';

/** Successful sends remembered per worker: enough for a p99, short enough to follow a change. */
export const LATENCY_WINDOW = 200;

/** A worker's timeout is worked out again after this many sends (sooner when one runs long). */
const RECOMPUTE_EVERY = 25;

/**
 * The adaptive send timeout of this dispatcher: each worker's recent successful send durations, in
 * a rolling window, and the timeout they call for (`adaptiveSendTimeoutMs`). Kept in memory: it
 * only lengthens a timeout within bounds the configuration checked, so dispatchers that disagree
 * about it are each still safe.
 */
export class SendTimeouts {
  private readonly recent = new Map<number, number[]>();
  /** Each worker's timeout as last worked out: sorting the window at every send costs too much. */
  private readonly current = new Map<number, { timeoutMs: number; sendsSince: number }>();
  private readonly bounds: SendTimeoutBounds;
  private readonly windowSize: number;

  constructor(bounds: SendTimeoutBounds, windowSize = LATENCY_WINDOW) {
    this.bounds = bounds;
    this.windowSize = windowSize;
  }

  /** The timeout of the next send to this worker. */
  timeoutFor(workerId: number): number {
    const known = this.current.get(workerId);
    if (known) return known.timeoutMs;
    const timeoutMs = adaptiveSendTimeoutMs(this.recent.get(workerId) ?? [], this.bounds);
    this.current.set(workerId, { timeoutMs, sendsSince: 0 });
    return timeoutMs;
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
    const known = this.current.get(workerId);
    if (!known) return;
    known.sendsSince += 1;
    // A send that took more than the timeout allows for is news about the p99 at once.
    const longer = durationMs * SEND_TIMEOUT_HEADROOM > known.timeoutMs;
    if (longer || known.sendsSince >= RECOMPUTE_EVERY) this.current.delete(workerId);
  }

  /** Runs one send with the worker's timeout, and learns from it when it succeeds. */
  async time<T>(workerId: number, send: (timeoutMs: number) => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await send(this.timeoutFor(workerId));
    this.recordSuccess(workerId, performance.now() - started);
    return result;
  }
}
