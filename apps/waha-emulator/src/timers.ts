/**
 * Every timer the emulator starts goes through here, so `reset()` and `close()` can cancel
 * them all and a test process exits without waiting for a QR rotation or an ack.
 */
export class TimerBag {
  private readonly handles = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): NodeJS.Timeout {
    const handle = setTimeout(
      () => {
        this.handles.delete(handle);
        fn();
      },
      Math.max(0, ms),
    );
    this.handles.add(handle);
    return handle;
  }

  cancel(handle: NodeJS.Timeout | undefined): void {
    if (!handle) return;
    clearTimeout(handle);
    this.handles.delete(handle);
  }

  clear(): void {
    for (const handle of this.handles) clearTimeout(handle);
    this.handles.clear();
  }
}

/** Polls `condition` every 50 ms until it holds or `timeoutMs` passes; checks once even at 0. */
export async function pollUntil(
  condition: () => boolean,
  timeoutMs: number,
  stopped: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (stopped() || Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, deadline - Date.now())));
  }
}
