// Settling an UNKNOWN message from WAHA's own record of the session's messages.

/** A message WAHA holds for the account (its chat history, or a `message.any` event). */
export interface RecordedMessage {
  id: string;
  /** Unix seconds, WAHA's clock. */
  timestamp: number;
  fromMe: boolean;
  body?: string | null | undefined;
}

/** The UNKNOWN message and the window of its WAHA call. */
export interface UnknownMessage {
  body: string;
  /** When the call began (claim) and when its outcome was recorded. */
  sendingAt: Date;
  finishedAt: Date;
}

export type Resolution =
  | { kind: 'SENT'; wahaMessageId: string }
  /** WAHA's record after the window holds no such message: send it again, once. */
  | { kind: 'NOT_SENT' }
  /** Too early to say: the call could still be under way at WAHA. */
  | { kind: 'UNSETTLED' };

/**
 * The default of UNKNOWN_SETTLE_SECONDS, and the window the gateway gives a `message.any`: WAHA's
 * status wait (~16 s) plus a margin, after which a call that timed out here is over at WAHA too.
 */
export const DEFAULT_SETTLE_SECONDS = 20;

/** WAHA's clock and ours may differ by this much; a message this early still counts. */
export const CLOCK_SKEW_SECONDS = 5;

/** WAHA's record covers the call: accepted by then, it is in the history. */
export function windowSettled(message: UnknownMessage, now: Date, settleSeconds: number): boolean {
  return now.getTime() >= message.finishedAt.getTime() + settleSeconds * 1000;
}

/** The earliest WAHA timestamp (unix seconds) a message of this call can carry. */
export function windowStartSeconds(message: UnknownMessage): number {
  return Math.floor(message.sendingAt.getTime() / 1000) - CLOCK_SKEW_SECONDS;
}

/**
 * Whether a message WAHA recorded is this call's: from the account, the same content, stamped
 * within the call's window (from its start to `settleSeconds` after its end), and not already the
 * record of another Herald message (`taken`).
 */
export function isRecordOf(
  message: UnknownMessage,
  recorded: RecordedMessage,
  settleSeconds: number,
  taken: ReadonlySet<string> = new Set(),
): boolean {
  if (!recorded.fromMe || taken.has(recorded.id)) return false;
  if ((recorded.body ?? '') !== message.body) return false;
  const end = Math.ceil(message.finishedAt.getTime() / 1000) + settleSeconds + CLOCK_SKEW_SECONDS;
  return recorded.timestamp >= windowStartSeconds(message) && recorded.timestamp <= end;
}

/**
 * What WAHA's history of the chat (everything from the window's start on) says of the message:
 * SENT with the id of its record; NOT_SENT once the window has settled without one; else wait.
 */
export function resolveFromHistory(
  message: UnknownMessage,
  history: readonly RecordedMessage[],
  options: { now: Date; settleSeconds: number; taken?: ReadonlySet<string> },
): Resolution {
  const record = history.find((m) => isRecordOf(message, m, options.settleSeconds, options.taken));
  if (record) return { kind: 'SENT', wahaMessageId: record.id };
  return windowSettled(message, options.now, options.settleSeconds)
    ? { kind: 'NOT_SENT' }
    : { kind: 'UNSETTLED' };
}

/** The longest wait between two lookups of a message WAHA could not answer for. */
export const LOOKUP_BACKOFF_CAP_SECONDS = 60;

/**
 * Seconds before WAHA is asked again after it could not answer: the resolve interval, then
 * doubling up to a minute. Short on purpose: a worker that comes back gets its UNKNOWNs asked
 * about within seconds (and its probe brings them forward at once, `bringLookupsForward`).
 */
export function nextLookupDelaySeconds(checks: number, firstSeconds: number): number {
  const first = Math.max(1, firstSeconds);
  return Math.min(LOOKUP_BACKOFF_CAP_SECONDS, first * 2 ** Math.max(0, checks - 1));
}
