import type { PacingDelay, PacingRules } from '@herald/db';

export interface RetryBackoff {
  baseSeconds: number;
  maxSeconds: number;
}

/** Delay before the next try of a message that failed transiently `attempts` times: doubling, capped. */
export function retryBackoffSeconds(attempts: number, backoff: RetryBackoff): number {
  const doubled = backoff.baseSeconds * 2 ** Math.min(30, Math.max(0, attempts - 1));
  return Math.min(backoff.maxSeconds, doubled);
}

/** While another sender is in flight on the worker, look again this often at least. */
const BUSY_RECHECK_SECONDS = 0.05;

// Dates carry milliseconds and Postgres microseconds: rounding a due time up by one millisecond
// keeps a truncated timestamp from letting a send go a fraction of a millisecond early.
const after = (from: Date, seconds: number) => new Date(from.getTime() + seconds * 1000 + 1);

/**
 * Herald's pacing, evaluated inside each claim from what the database says now:
 * - MESSAGE_DELAY: a sender's next message goes no sooner than the delay after the end of its
 *   previous WAHA call (a retry waits for its backoff too, if longer);
 * - SENDER_SWITCH_DELAY: a message from another sender than the worker's last one goes no sooner
 *   than the incoming sender's switch delay after the end of that last send, and never while
 *   another sender's message is in flight on the worker.
 * Delays are read at every claim, so a changed value applies from the next send in either direction.
 */
export function createPacingRules(backoff: RetryBackoff): PacingRules {
  return {
    senderDueAt({ now, messageDelaySeconds, lastSentAt, attempts }): PacingDelay | null {
      if (!lastSentAt) return null;
      const retryWait = attempts > 0 ? retryBackoffSeconds(attempts, backoff) : 0;
      const at = after(lastSentAt, Math.max(messageDelaySeconds, retryWait));
      if (at <= now) return null;
      return { at, reason: retryWait > messageDelaySeconds ? 'RETRY_BACKOFF' : 'MESSAGE_DELAY' };
    },
    workerDueAt(facts): PacingDelay | null {
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
    },
  };
}
