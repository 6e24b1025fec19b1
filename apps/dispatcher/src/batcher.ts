/** Items in one batch at most; more wait for the next. */
const MAX_BATCH = 200;
/** Batches in flight at once: one may wait on a lock while the next goes ahead. */
const MAX_IN_FLIGHT = 2;

export interface Batcher<I, O> {
  /** Runs `item` in one batch with the items asked meanwhile; answers its own result. */
  run(item: I): Promise<O>;
}

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit: callers ask one at a time, and every item asked while a batch is under way goes
 * into the next, one statement or transaction for all of them (`runBatch`, which answers in the
 * items' order). A failed batch fails each of its items, as a failed call of its own would.
 */
export function createBatcher<I, O>(runBatch: (items: I[]) => Promise<O[]>): Batcher<I, O> {
  const waiting: Waiting<I, O>[] = [];
  let inFlight = 0;

  function flush(): void {
    while (inFlight < MAX_IN_FLIGHT && waiting.length > 0) {
      const batch = waiting.splice(0, MAX_BATCH);
      inFlight += 1;
      runBatch(batch.map((w) => w.item))
        .then(
          (results) => {
            batch.forEach((w, i) => {
              if (i < results.length) w.resolve(results[i] as O);
              else w.reject(new Error('a batch answered for fewer items than it was given'));
            });
          },
          (error: unknown) => {
            for (const w of batch) w.reject(error);
          },
        )
        .finally(() => {
          inFlight -= 1;
          flush();
        });
    }
  }

  return {
    run(item) {
      return new Promise<O>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        // The items asked in this same turn of the event loop join the batch.
        if (waiting.length === 1) setImmediate(flush);
      });
    },
  };
}
