import type { Database } from '@herald/db';
import type { AcceptedMessage } from '@herald/waha-emulator';
import type { Kysely } from 'kysely';
import { fmtMs, type Summary, summarize } from './stats.ts';

/** The time beyond MESSAGE_DELAY between consecutive sends of each sender, from one clock. */
export interface PacingGaps {
  /** Extra time of every gap in ms (the gap minus the delay); null when no sender sent twice. */
  extra: Summary | null;
  /** Gaps shorter than the delay by more than the clock's resolution: pacing broken. */
  early: number;
  /** The shortest gap's shortfall below the delay in ms (0 when none was short). */
  worstShortfallMs: number;
}

/**
 * Gaps between consecutive times of each sender. `toleranceMs` is the clock's resolution: a gap
 * that reads shorter than the delay by no more than that may still have kept it.
 */
export function pacingGaps(
  timesBySender: ReadonlyMap<string, number[]>,
  delayMs: number,
  toleranceMs: number,
): PacingGaps {
  const extra: number[] = [];
  for (const times of timesBySender.values()) {
    const sorted = [...times].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      extra.push((sorted[i] as number) - (sorted[i - 1] as number) - delayMs);
    }
  }
  const short = extra.filter((e) => e < -toleranceMs);
  return {
    extra: extra.length > 0 ? summarize(extra) : null,
    early: short.length,
    worstShortfallMs: short.length > 0 ? -Math.min(...short) : 0,
  };
}

/** A problem for each clock that saw a gap shorter than the delay: pacing broken. */
export function shortGapProblems(byClock: Record<string, PacingGaps>): string[] {
  return Object.entries(byClock)
    .filter(([, gaps]) => gaps.early > 0)
    .map(
      ([clock, gaps]) =>
        `${gaps.early} gap(s) shorter than MESSAGE_DELAY by the ${clock}'s clock (by up to ${fmtMs(gaps.worstShortfallMs, 1)})`,
    );
}

function pushTo(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Each sender's claim times (`sending_at`, stamped by Postgres in the claim transaction), in ms. */
export async function ledgerSendTimes(db: Kysely<Database>): Promise<Map<string, number[]>> {
  const rows = await db
    .selectFrom('messages')
    .select(['sender_number', 'sending_at'])
    .where('sending_at', 'is not', null)
    .execute();
  const times = new Map<string, number[]>();
  for (const row of rows) pushTo(times, row.sender_number, (row.sending_at as Date).getTime());
  return times;
}

/** Each session's acceptance times at the emulator (its own clock, milliseconds). */
export function emulatorSendTimes(accepted: readonly AcceptedMessage[]): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const m of accepted) pushTo(times, m.session, Date.parse(m.acceptedAt));
  return times;
}

/** Where a send's time goes, per message, in ms (see `sendPhases`). */
export interface SendPhases {
  /** From the claim (`sending_at`) until the emulator accepted the message. */
  out: Summary;
  /** From the emulator's acceptance until the outcome transaction began (`sent_at`). */
  back: Summary;
}

/**
 * Splits each SENT message's time at the ledger's stamps and the emulator's (the same host
 * clock): a long `out` is a claimed message waiting to be sent, a long `back` an answer waiting
 * to be recorded (for a database connection, or behind other work of the dispatcher).
 */
export async function sendPhases(
  db: Kysely<Database>,
  accepted: readonly AcceptedMessage[],
): Promise<SendPhases | null> {
  const acceptedAt = new Map(accepted.map((m) => [m.id, Date.parse(m.acceptedAt)]));
  const rows = await db
    .selectFrom('messages')
    .select(['waha_message_id', 'sending_at', 'sent_at'])
    .where('status', '=', 'SENT')
    .execute();
  const out: number[] = [];
  const back: number[] = [];
  for (const row of rows) {
    const at = acceptedAt.get(row.waha_message_id ?? '');
    if (at === undefined || !row.sending_at || !row.sent_at) continue;
    out.push(at - row.sending_at.getTime());
    back.push(row.sent_at.getTime() - at);
  }
  return out.length > 0 ? { out: summarize(out), back: summarize(back) } : null;
}

/** How a run's sends spread beyond perfect pacing, per sender, in ms (see `pacingSpread`). */
export interface PacingSpread {
  /** Each sender's first send after the run's first: the start-up, as the senders get going. */
  start: Summary;
  /** Each sender's first-to-last span beyond its delays: its extra gaps, added up. */
  drift: Summary;
  /**
   * Extra gaps by round: each sender's second send after its first, and the sends after. The
   * first sends leave in a burst, and each next send is due the delay after its previous one
   * returned, so the first round comes back as the same burst; null when no sender sent so often.
   */
  rounds: { first: Summary | null; later: Summary | null };
  /**
   * The steady part of the run, once every sender is under way and until the first one is done:
   * sends per second then, each sender at one per its mean gap (every sender pacing exactly gives
   * the offered rate exactly, however their phases bunch), and the extra gaps of the sends that
   * began there. Null when some sender sent fewer than twice in it.
   */
  steady: { seconds: number; rate: number; extra: Summary } | null;
}

/**
 * Splits what a run lost against the offered rate into its two causes: senders starting late
 * (the first send of 2,000 senders cannot happen at once) and each sender's gaps running long.
 */
export function pacingSpread(
  timesBySender: ReadonlyMap<string, number[]>,
  delayMs: number,
): PacingSpread {
  const sorted = [...timesBySender.values()].map((t) => [...t].sort((a, b) => a - b));
  const firsts = sorted.map((t) => t[0] as number);
  const first = Math.min(...firsts);
  const from = Math.max(...firsts);
  const until = Math.min(...sorted.map((t) => t.at(-1) as number));
  /** The extra time of a sender's gap that ends at its send `i`. */
  const extraOf = (t: number[], i: number) => (t[i] as number) - (t[i - 1] as number) - delayMs;
  const extra = sorted.flatMap((t) =>
    t.slice(1).flatMap((_, i) => ((t[i] as number) >= from ? [extraOf(t, i + 1)] : [])),
  );
  // Each sender sends once per its mean gap there, all of them at once. Counting the sends in a
  // window instead depends on where its ends fall among the senders' phases, which bunch.
  const meanGaps = sorted.map((t) => {
    const inside = t.filter((at) => at >= from && at <= until);
    return inside.length > 1
      ? ((inside.at(-1) as number) - (inside[0] as number)) / (inside.length - 1)
      : null;
  });
  const firstRound = sorted.flatMap((t) => (t.length > 1 ? [extraOf(t, 1)] : []));
  const laterRounds = sorted.flatMap((t) => t.slice(2).map((_, i) => extraOf(t, i + 2)));
  return {
    start: summarize(firsts.map((at) => at - first)),
    drift: summarize(
      sorted.map((t) => (t.at(-1) as number) - (t[0] as number) - (t.length - 1) * delayMs),
    ),
    rounds: {
      first: firstRound.length > 0 ? summarize(firstRound) : null,
      later: laterRounds.length > 0 ? summarize(laterRounds) : null,
    },
    steady:
      meanGaps.every((gap) => gap !== null) && extra.length > 0
        ? {
            seconds: (until - from) / 1000,
            rate: meanGaps.reduce((sum, gap) => sum + 1000 / (gap as number), 0),
            extra: summarize(extra),
          }
        : null,
  };
}
