import {
  decideSending,
  policyDayStart,
  type SenderPolicy,
  type SendingDecision,
  type WaitReason,
} from '@herald/domain';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../database.ts';
import { type PauseReason, pauseReason, sessionAndWorker } from './send-readiness.ts';
import { policyInForce, senderPolicyColumns, withSenderPolicies } from './sender-policy.ts';

// "Does the policy let this sender send now", asked by the claim before every hand-off to WAHA and
// by the API to show a sender's state: both read the facts here and decide with `decideSending`.

/** The sender's columns the policy reads, selected from `senders s` (and its session `ses`). */
export const policyFactColumns = sql`s.last_sent_at, s.burst_run,
  COALESCE(s.first_connected_at, ses.connected_at) AS first_connected_at,
  ${senderPolicyColumns}`;

export interface PolicyFactRow {
  last_sent_at: Date | null;
  burst_run: number;
  first_connected_at: Date | null;
  global_policy: unknown;
  override_policy: unknown;
}

/**
 * The counts the policy reads, read beside the facts (one statement, not two) for the policy the
 * stored rows most likely resolve to: the fields of `op` (override) over those of `gp` (global),
 * as `resolvePolicy` merges them, with "today" counted only in UTC. `decideForSender` uses them
 * only when they are what it would have asked for, and reads the counts itself otherwise.
 */
const policyField = (name: string) =>
  sql`(CASE WHEN op.policy ? ${sql.lit(name)} THEN op.policy -> ${sql.lit(name)}
    ELSE gp.policy -> ${sql.lit(name)} END)`;
const hourlyCapField = policyField('hourly_cap');
const utcDayStart = sql`(date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
// Dates reach JS truncated to the millisecond: so is the hour counted back from now.
const anHourAgo = sql`(date_trunc('milliseconds', now()) - interval '1 hour')`;
const countsInUtc = sql`(jsonb_typeof(${policyField('daily_cap')}) = 'number'
    OR jsonb_typeof(${policyField('warmup')}) = 'array')
  AND COALESCE(${policyField('working_hours')} ->> 'timezone', 'UTC') = 'UTC'`;
export const countedPolicyColumns = sql`
  CASE WHEN jsonb_typeof(${hourlyCapField}) = 'number' THEN (${hourlyCapField})::int END
    AS counted_hourly_cap,
  CASE WHEN jsonb_typeof(${hourlyCapField}) = 'number' THEN ARRAY(
    SELECT sent_at FROM sender_sends
    WHERE sender_number = s.phone_number AND sent_at > ${anHourAgo}
    ORDER BY sent_at DESC LIMIT (${hourlyCapField})::int) END AS counted_last_hour,
  CASE WHEN ${countsInUtc} THEN ${utcDayStart} END AS counted_day_start,
  CASE WHEN ${countsInUtc} THEN (SELECT count(*) FROM sender_sends
    WHERE sender_number = s.phone_number AND sent_at >= ${utcDayStart}) END AS counted_today`;

export interface CountedPolicyRow {
  counted_hourly_cap: number | null;
  counted_last_hour: Date[] | null;
  counted_day_start: Date | null;
  counted_today: number | string | null;
}

/**
 * Decides for one sender at `now` (the database's). The counts are read only for the rules that
 * are on, so a sender without caps costs nothing more per claim; none are read when `counted`
 * (`countedPolicyColumns`, from the same statement as `row`) already holds the ones needed.
 */
export async function decideForSender(
  db: Kysely<Database>,
  senderNumber: string,
  row: PolicyFactRow,
  now: Date,
  counted?: CountedPolicyRow,
): Promise<{ policy: SenderPolicy; decision: SendingDecision }> {
  const policy = policyInForce(row);
  const counts =
    countsFrom(policy, now, counted) ?? (await readCounts(db, senderNumber, policy, now));
  const decision = decideSending(policy, {
    now,
    sendsLastHour: counts.sendsLastHour,
    sentToday: counts.sentToday,
    firstConnectedAt: row.first_connected_at,
    burstRun: row.burst_run,
    lastSentAt: row.last_sent_at,
  });
  return { policy, decision };
}

interface PolicyCounts {
  sendsLastHour: Date[];
  sentToday: number;
}

const needsDailyCount = (policy: SenderPolicy) =>
  policy.daily_cap !== null || policy.warmup !== null;

/** The counts already read, if they are exactly those `readCounts` would read; else undefined. */
function countsFrom(
  policy: SenderPolicy,
  now: Date,
  counted: CountedPolicyRow | undefined,
): PolicyCounts | undefined {
  if (!counted) return undefined;
  const hourly = policy.hourly_cap;
  if (hourly !== null && (counted.counted_hourly_cap !== hourly || !counted.counted_last_hour)) {
    return undefined;
  }
  const daily = needsDailyCount(policy);
  if (
    daily &&
    (counted.counted_today === null ||
      counted.counted_day_start?.getTime() !== policyDayStart(policy, now).getTime())
  ) {
    return undefined;
  }
  return {
    sendsLastHour: hourly === null ? [] : (counted.counted_last_hour ?? []),
    sentToday: daily ? Number(counted.counted_today) : 0,
  };
}

/** Both counts in one statement: one round trip per claim and per status read, not two. */
async function readCounts(
  db: Kysely<Database>,
  senderNumber: string,
  policy: SenderPolicy,
  now: Date,
): Promise<PolicyCounts> {
  const hourly = policy.hourly_cap;
  const daily = needsDailyCount(policy);
  if (hourly === null && !daily) return { sendsLastHour: [], sentToday: 0 };
  const counts = (
    await sql<{ last_hour: Date[] | null; today: number | null }>`
      SELECT ${
        hourly === null
          ? sql`NULL`
          : sql`ARRAY(SELECT sent_at FROM sender_sends
              WHERE sender_number = ${senderNumber}
                AND sent_at > ${new Date(now.getTime() - 3_600_000)}
              ORDER BY sent_at DESC LIMIT ${hourly})`
      } AS last_hour, ${
        daily
          ? sql`(SELECT count(*) FROM sender_sends
              WHERE sender_number = ${senderNumber} AND sent_at >= ${policyDayStart(policy, now)})`
          : sql`NULL`
      } AS today`.execute(db)
  ).rows[0];
  return { sendsLastHour: counts?.last_hour ?? [], sentToday: Number(counts?.today ?? 0) };
}

export type SendingState =
  | { state: 'ACTIVE'; reason: null; resumes_at: null; details: null }
  | { state: 'WAITING'; reason: WaitReason; resumes_at: Date; details: null }
  | { state: 'PAUSED'; reason: PauseReason; resumes_at: null; details: unknown };

/** What `sendingStateOf` decides from: one row of `sendingFactsOf`. */
export type SendingFactRow = PolicyFactRow &
  CountedPolicyRow & {
    now: Date;
    phone_number: string;
    pause_reason: PauseReason | null;
    paused_details: unknown;
  };

/** The names of `SendingFactRow`'s columns, so that a row holding them beside others can be split. */
export const SENDING_FACT_COLUMNS = [
  'now',
  'phone_number',
  'pause_reason',
  'paused_details',
  'last_sent_at',
  'burst_run',
  'first_connected_at',
  'global_policy',
  'override_policy',
  'counted_hourly_cap',
  'counted_last_hour',
  'counted_day_start',
  'counted_today',
] as const satisfies readonly (keyof SendingFactRow)[];

/** A statement reading the facts of one sender (an SQL expression), as `SendingFactRow`. */
export const sendingFactsOf = (senderNumber: RawBuilder<unknown>) => sql<SendingFactRow>`
  SELECT now() AS now, s.phone_number, ${pauseReason} AS pause_reason, s.paused_details,
    ${policyFactColumns}, ${countedPolicyColumns}
  FROM senders s ${sessionAndWorker} ${withSenderPolicies}
  WHERE s.phone_number = ${senderNumber}`;

/**
 * Whether a sender sends, waits on its policy (and until when) or is paused (and why). The sender
 * is named, or is the one of a campaign.
 */
export async function readSendingState(
  db: Kysely<Database>,
  sender: string | { campaignId: number },
): Promise<SendingState | null> {
  const senderNumber =
    typeof sender === 'string'
      ? sql`${sender}`
      : sql`(SELECT sender_number FROM campaigns WHERE id = ${sender.campaignId})`;
  const row = (await sendingFactsOf(senderNumber).execute(db)).rows[0];
  return row ? sendingStateOf(db, row) : null;
}

/** The sending state from a sender's facts; reads the policy's counts only if they are missing. */
export async function sendingStateOf(
  db: Kysely<Database>,
  row: SendingFactRow,
): Promise<SendingState> {
  if (row.pause_reason) {
    const details = row.pause_reason === 'HEALTH' ? (row.paused_details ?? null) : null;
    return { state: 'PAUSED', reason: row.pause_reason, resumes_at: null, details };
  }
  const { decision } = await decideForSender(db, row.phone_number, row, row.now, row);
  if (decision.state === 'ACTIVE') {
    return { state: 'ACTIVE', reason: null, resumes_at: null, details: null };
  }
  return {
    state: 'WAITING',
    reason: decision.reason,
    resumes_at: decision.resumesAt,
    details: null,
  };
}
