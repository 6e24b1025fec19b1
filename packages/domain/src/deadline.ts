export const TIMED_OUT = Symbol('timed out');

/**
 * Waits at most `ms` for `work`, which goes on regardless (its own timeout ends it): resolves with
 * its value, or TIMED_OUT. The timer is cleared as soon as either side settles.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
