/**
 * Send calls open at once, per session: from the moment a send route takes the request until
 * it has finished with it (accepted, refused, or answered), whether or not the client is still
 * waiting. A client that gives up on a slow call and sends again shows up here as 2.
 */
export class SendConcurrency {
  private readonly open = new Map<string, number>();
  private readonly max = new Map<string, number>();

  enter(session: string): () => void {
    const now = (this.open.get(session) ?? 0) + 1;
    this.open.set(session, now);
    if (now > (this.max.get(session) ?? 0)) this.max.set(session, now);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.open.set(session, (this.open.get(session) ?? 1) - 1);
    };
  }

  /** `{session: {open, max}}`: calls open now and the most ever open together. */
  snapshot(): Record<string, { open: number; max: number }> {
    const result: Record<string, { open: number; max: number }> = {};
    for (const [session, max] of this.max) {
      result[session] = { open: this.open.get(session) ?? 0, max };
    }
    return result;
  }

  clear(): void {
    this.open.clear();
    this.max.clear();
  }
}
