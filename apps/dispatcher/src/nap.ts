/** Wakes every sleeper of one signal when it aborts; one listener per signal, however many sleep. */
type Nap = (ms: number) => Promise<boolean>;

const naps = new WeakMap<AbortSignal, Nap>();

/**
 * Sleeps `ms`; true when the time passed, false when `signal` aborted first. Thousands of resting
 * turns share one abort signal: `timers/promises` would add and remove a listener on it for every
 * sleep, a cost that grows with the number of sleepers; here each sleep is one entry in a set.
 */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  let nap = naps.get(signal);
  if (!nap) {
    nap = napOn(signal);
    naps.set(signal, nap);
  }
  return nap(ms);
}

function napOn(signal: AbortSignal): Nap {
  const sleeping = new Set<() => void>();
  signal.addEventListener(
    'abort',
    () => {
      for (const wake of sleeping) wake();
      sleeping.clear();
    },
    { once: true },
  );
  return (ms) =>
    new Promise<boolean>((resolve) => {
      if (signal.aborted) {
        resolve(false);
        return;
      }
      const wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        sleeping.delete(wake);
        resolve(true);
      }, ms);
      sleeping.add(wake);
    });
}
