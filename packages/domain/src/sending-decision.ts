import { clockSeconds, type SenderPolicy } from './sender-policy.ts';
import { localDayNumber, localTime, startOfLocalDay, zonedInstant } from './time-zone.ts';

// "May this sender hand a message to WAHA now, by its policy?", as a pure function of the policy
// and what the sender has sent. The claim asks it before every send; the API asks it to show why
// a sender waits. Pacing (MESSAGE_DELAY, jitter) and pauses are decided elsewhere.

export type WaitReason = 'HOURLY_CAP' | 'DAILY_CAP' | 'WARMUP' | 'WORKING_HOURS' | 'BURST';

export interface SendingFacts {
  now: Date;
  /** When the sender's sends of the last hour were handed to WAHA, newest first. */
  sendsLastHour: Date[];
  /** Sends since the start of today in the policy's time zone (`policyDayStart`). */
  sentToday: number;
  /** When the number first connected; null counts as today. */
  firstConnectedAt: Date | null;
  /** Sends in the current run (see `burst`), and when the last one ended. */
  burstRun: number;
  lastSentAt: Date | null;
}

export type SendingDecision =
  | { state: 'ACTIVE' /** The run length once this send is made. */; burstRun: number }
  | { state: 'WAITING'; reason: WaitReason; resumesAt: Date };

const HOUR_MS = 3_600_000;

/**
 * No send starts in the last seconds of the working hours: a claim is followed by the number
 * check and the WAHA call, and the message must reach WhatsApp inside the window.
 */
export const CLOSING_MARGIN_SECONDS = 5;

/** The zone calendar days and working hours are counted in: the working hours', else UTC. */
export function policyTimeZone(policy: SenderPolicy): string {
  return policy.working_hours?.timezone ?? 'UTC';
}

/** Where "today" starts for the daily cap and the warm-up. */
export function policyDayStart(policy: SenderPolicy, now: Date): Date {
  return startOfLocalDay(now, policyTimeZone(policy));
}

/** The daily cap in force today: the warm-up's entry while it lasts, never above `daily_cap`. */
export function dailyCapToday(
  policy: SenderPolicy,
  now: Date,
  firstConnectedAt: Date | null,
): { cap: number; reason: 'DAILY_CAP' | 'WARMUP' } | null {
  const zone = policyTimeZone(policy);
  const day = firstConnectedAt
    ? Math.max(0, localDayNumber(now, zone) - localDayNumber(firstConnectedAt, zone))
    : 0;
  const warmup = policy.warmup?.[day];
  const daily = policy.daily_cap;
  if (warmup !== undefined && (daily === null || warmup < daily)) {
    return { cap: warmup, reason: 'WARMUP' };
  }
  return daily === null ? null : { cap: daily, reason: 'DAILY_CAP' };
}

/**
 * Every rule that holds the sender back, with when it lets go; the latest wins, since the sender
 * can send only once all of them do.
 */
export function decideSending(policy: SenderPolicy, facts: SendingFacts): SendingDecision {
  const { now } = facts;
  const waits: { reason: WaitReason; resumesAt: Date }[] = [];

  const hours = policy.working_hours;
  if (hours) {
    const opening = nextOpening(hours, now);
    if (opening.getTime() > now.getTime())
      waits.push({ reason: 'WORKING_HOURS', resumesAt: opening });
  }

  const hourly = policy.hourly_cap;
  if (hourly !== null) {
    const recent = facts.sendsLastHour.filter((at) => now.getTime() - at.getTime() < HOUR_MS);
    // The cap-th newest send leaves the rolling hour first among those that fill it.
    const blocking = recent.length >= hourly ? recent[hourly - 1] : undefined;
    if (blocking) {
      waits.push({ reason: 'HOURLY_CAP', resumesAt: new Date(blocking.getTime() + HOUR_MS) });
    }
  }

  const daily = dailyCapToday(policy, now, facts.firstConnectedAt);
  if (daily && facts.sentToday >= daily.cap) {
    waits.push({
      reason: daily.reason,
      resumesAt: startOfLocalDay(now, policyTimeZone(policy), 1),
    });
  }

  const burst = policy.burst;
  const runOver =
    !burst ||
    facts.lastSentAt === null ||
    now.getTime() - facts.lastSentAt.getTime() >= burst.pause_seconds * 1000;
  if (burst && !runOver && facts.burstRun >= burst.size && facts.lastSentAt) {
    const resumesAt = new Date(facts.lastSentAt.getTime() + burst.pause_seconds * 1000);
    waits.push({ reason: 'BURST', resumesAt });
  }

  const latest = waits.sort((a, b) => b.resumesAt.getTime() - a.resumesAt.getTime())[0];
  if (latest) return { state: 'WAITING', ...latest };
  // A pause as long as the burst pause (taken, or idle) starts a new run.
  return { state: 'ACTIVE', burstRun: runOver ? 1 : facts.burstRun + 1 };
}

/** `now` when inside the working hours, else when they next open. */
export function nextOpening(hours: NonNullable<SenderPolicy['working_hours']>, now: Date): Date {
  const local = localTime(now, hours.timezone);
  const start = clockSeconds(hours.start);
  const end = clockSeconds(hours.end);
  const open = hours.days.includes(local.weekday);
  const lastStart = Math.max(start, end - CLOSING_MARGIN_SECONDS);
  if (open && local.secondOfDay >= start && local.secondOfDay < lastStart) return now;
  for (let ahead = 0; ahead <= 7; ahead += 1) {
    const weekday = ((local.weekday - 1 + ahead) % 7) + 1;
    if (!hours.days.includes(weekday)) continue;
    if (ahead === 0 && local.secondOfDay >= start) continue;
    const date = { year: local.year, month: local.month, day: local.day + ahead };
    return zonedInstant(date, start, hours.timezone);
  }
  // Unreachable: a validated day list is never empty.
  return now;
}
