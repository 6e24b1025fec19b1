import {
  decideSending,
  policyDayStart,
  type SenderPolicy,
  type SendingDecision,
  type WaitReason,
} from '@herald/domain';
import { type Kysely, sql } from 'kysely';
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
 * Decides for one sender at `now` (the database's). The counts are read only for the rules that
 * are on, so a sender without caps costs nothing more per claim.
 */
export async function decideForSender(
  db: Kysely<Database>,
  senderNumber: string,
  row: PolicyFactRow,
  now: Date,
): Promise<{ policy: SenderPolicy; decision: SendingDecision }> {
  const policy = policyInForce(row);
  // Both counts in one statement: one round trip per claim and per status read, not two.
  const hourly = policy.hourly_cap;
  const daily = policy.daily_cap !== null || policy.warmup !== null;
  const counts =
    hourly === null && !daily
      ? undefined
      : (
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
  const sendsLastHour = counts?.last_hour ?? [];
  const sentToday = Number(counts?.today ?? 0);
  const decision = decideSending(policy, {
    now,
    sendsLastHour,
    sentToday,
    firstConnectedAt: row.first_connected_at,
    burstRun: row.burst_run,
    lastSentAt: row.last_sent_at,
  });
  return { policy, decision };
}

export type SendingState =
  | { state: 'ACTIVE'; reason: null; resumes_at: null; details: null }
  | { state: 'WAITING'; reason: WaitReason; resumes_at: Date; details: null }
  | { state: 'PAUSED'; reason: PauseReason; resumes_at: null; details: unknown };

/**
 * Whether a sender sends, waits on its policy (and until when) or is paused (and why). The sender
 * is named, or is the one of a campaign (so that a campaign's status reads both at once).
 */
export async function readSendingState(
  db: Kysely<Database>,
  sender: string | { campaignId: number },
): Promise<SendingState | null> {
  const senderNumber =
    typeof sender === 'string'
      ? sql`${sender}`
      : sql`(SELECT sender_number FROM campaigns WHERE id = ${sender.campaignId})`;
  const row = (
    await sql<
      PolicyFactRow & {
        now: Date;
        phone_number: string;
        pause_reason: PauseReason | null;
        paused_details: unknown;
      }
    >`
      SELECT now() AS now, s.phone_number, ${pauseReason} AS pause_reason, s.paused_details,
        ${policyFactColumns}
      FROM senders s ${sessionAndWorker} ${withSenderPolicies}
      WHERE s.phone_number = ${senderNumber}
    `.execute(db)
  ).rows[0];
  if (!row) return null;
  if (row.pause_reason) {
    const details = row.pause_reason === 'HEALTH' ? (row.paused_details ?? null) : null;
    return { state: 'PAUSED', reason: row.pause_reason, resumes_at: null, details };
  }
  const { decision } = await decideForSender(db, row.phone_number, row, row.now);
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
