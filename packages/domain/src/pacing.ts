// Herald's pacing, as pure arithmetic. A sender's own due time (MESSAGE_DELAY after the end of
// its last call, and a retry's floor) is one SQL expression, `senderDueAt` in @herald/db, which
// the claim and the recovery sweep share; what is decided here feeds it or runs inside the claim.

export interface RetryBackoff {
  baseSeconds: number;
  maxSeconds: number;
}

/** Delay before the next try of a message that failed transiently `attempts` times: doubling, capped. */
export function retryBackoffSeconds(attempts: number, backoff: RetryBackoff): number {
  const doubled = backoff.baseSeconds * 2 ** Math.min(30, Math.max(0, attempts - 1));
  return Math.min(backoff.maxSeconds, doubled);
}

export interface WorkerPacingFacts {
  now: Date;
  senderNumber: string;
  /** The incoming sender's SENDER_SWITCH_DELAY in force (seconds). */
  switchDelaySeconds: number;
  lastSenderNumber: string | null;
  lastSendDoneAt: Date | null;
  inflightSenderNumber: string | null;
  inflightUntil: Date | null;
}

export interface PacingDelay {
  at: Date;
  reason: 'SENDER_SWITCH' | 'WORKER_BUSY';
}

/** While another sender is in flight on the worker, look again this often at least. */
const BUSY_RECHECK_SECONDS = 0.05;

// Dates carry milliseconds and Postgres microseconds: rounding a due time up by one millisecond
// keeps a truncated timestamp from letting a send go a fraction of a millisecond early.
const after = (from: Date, seconds: number) => new Date(from.getTime() + seconds * 1000 + 1);

/**
 * SENDER_SWITCH_DELAY: a message from another sender than the worker's last one goes no sooner
 * than the incoming sender's switch delay after the end of that last send, and never while another
 * sender's message is in flight on the worker (its lease bounds the wait). Null: it may go now.
 */
export function workerDueAt(facts: WorkerPacingFacts): PacingDelay | null {
  const { now, senderNumber, switchDelaySeconds } = facts;
  if (switchDelaySeconds <= 0) return null;
  const { inflightSenderNumber, inflightUntil } = facts;
  if (inflightSenderNumber && inflightSenderNumber !== senderNumber && inflightUntil) {
    if (inflightUntil > now) {
      // Its end is unknown; nothing can go before switch delay after it anyway.
      const recheck = after(now, Math.max(switchDelaySeconds, BUSY_RECHECK_SECONDS));
      const at = new Date(Math.min(recheck.getTime(), inflightUntil.getTime()));
      return { at, reason: 'WORKER_BUSY' };
    }
  }
  const { lastSenderNumber, lastSendDoneAt } = facts;
  if (lastSenderNumber && lastSenderNumber !== senderNumber && lastSendDoneAt) {
    const at = after(lastSendDoneAt, switchDelaySeconds);
    if (at > now) return { at, reason: 'SENDER_SWITCH' };
  }
  return null;
}

/**
 * When a sender's next turn starts. Only one turn per sender can be queued, so a turn queued far
 * ahead would block any earlier one: an admin lowering a long delay would wait out the old one.
 * Queueing no further ahead than one turn's length makes the sender re-check the delays then.
 */
export function nextTurnAt(dueAt: Date, now: Date, turnSeconds: number): Date {
  const recheckAt = now.getTime() + turnSeconds * 1000;
  return dueAt.getTime() > recheckAt ? new Date(recheckAt) : dueAt;
}
