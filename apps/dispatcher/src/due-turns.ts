/** A look at a due time goes this long after it: the queue compares with the database's clock. */
const LATE_MS = 5;
/** Looks prompted by due times come at most this often: thousands may fall in one second. */
const MIN_GAP_MS = 20;
/**
 * Due times this far past are dropped when another is added: a loop kept busy by full batches
 * never rests, and its fetches find those turns anyway.
 */
const STALE_MS = 1_000;

/**
 * When the turns this dispatcher queued for later become fetchable. Its fetch loop looks for jobs
 * once a poll interval; a sender's next turn, queued for its due time, would wait up to that
 * interval more (at every turn's end). The loop's rest ends at the earliest due time instead.
 */
export class DueTurns {
  /** Local times (ms, `Date.now()`) to look at, in order. */
  #times: number[] = [];
  #lastLook = Number.NEGATIVE_INFINITY;
  #restEndsAt = Number.POSITIVE_INFINITY;
  #wake: (() => void) | undefined;

  /** A turn queued now becomes fetchable at `at` (now when absent). */
  expect(at?: Date): void {
    this.#forget(Date.now() - STALE_MS);
    const time = Math.max(at?.getTime() ?? 0, Date.now()) + LATE_MS;
    let i = this.#times.length;
    while (i > 0 && (this.#times[i - 1] as number) > time) i -= 1;
    this.#times.splice(i, 0, time);
    if (this.#nextLook(this.#restEndsAt) < this.#restEndsAt) this.#wake?.();
  }

  /**
   * Rests up to `ms`, or until the earliest due time (at least MIN_GAP_MS after the last look it
   * ended), then forgets the due times passed: the look that follows fetches their turns.
   */
  async rest(ms: number, signal: AbortSignal): Promise<void> {
    const until = Date.now() + ms;
    for (let end = this.#nextLook(until); end > Date.now(); end = this.#nextLook(until)) {
      if (signal.aborted) return;
      this.#restEndsAt = end;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.#wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, end - Date.now());
        this.#wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
      this.#restEndsAt = Number.POSITIVE_INFINITY;
    }
    this.#lastLook = Date.now();
    this.#forget(this.#lastLook);
  }

  /** How many due times are still ahead. */
  get pending(): number {
    return this.#times.length;
  }

  /** Drops the due times up to `until`. */
  #forget(until: number): void {
    let passed = 0;
    while (passed < this.#times.length && (this.#times[passed] as number) <= until) passed += 1;
    this.#times.splice(0, passed);
  }

  #nextLook(until: number): number {
    const due = this.#times[0];
    if (due === undefined) return until;
    return Math.min(until, Math.max(due, this.#lastLook + MIN_GAP_MS));
  }
}
