import { type SessionStatus, type WorkerTier, workerDueAt } from '@herald/domain';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { planOnce } from '../plan-once.ts';
import type { ClaimResult, SendTarget } from './claim-result.ts';
import { holdSender, nothingDue, waitAndRenew } from './claim-waits.ts';
import type { LeaseInput } from './leases.ts';
import { markSendingMany, type SendingMark } from './mark-sending.ts';
import { type NextMessage, nextClaimableMessage, nextMessageOfSender } from './next-message.ts';
import {
  ceilToMilliseconds,
  delaysInForce,
  senderDueAt,
  senderDueReason,
  withDelaySettings,
} from './pacing.ts';
import { type PauseReason, pauseReason, sessionAndWorker } from './send-readiness.ts';
import { withSenderPolicies } from './sender-policy.ts';
import { decideForSender, type PolicyFactRow, policyFactColumns } from './sending-state.ts';

// The dispatcher's hot path. Every transaction that locks takes its rows in one order (senders,
// workers, messages, campaigns, sessions) so concurrent turns, outcomes and sweeps cannot deadlock.
// All times are the database's `now()`, never a process clock, so every dispatcher agrees.

interface SenderState extends PolicyFactRow {
  lease_owner: string | null;
  lease_expires_at: Date | null;
  now: Date;
  pause_reason: PauseReason | null;
  session_status: SessionStatus | null;
  waha_session: string | null;
  worker_id: number | null;
  url: string | null;
  api_key: string | null;
  tier: WorkerTier | null;
  must_wait: boolean;
  due_at: Date;
  due_reason: string;
  switch_delay: number;
  message_delay: number;
}

/**
 * One claim, in one transaction committed before the WAHA call: checks that we still hold the
 * lease, that the sender can send, that its pacing (`senderDueAt`: message delay, retry backoff)
 * and its worker's pacing (sender-switch delay, another sender in flight) allow a send now, then
 * moves the sender's oldest claimable message to SENDING and marks the worker busy with it. The
 * delays are read here, on every claim, so a changed setting applies from the next send.
 * Campaign controls (pause, cancel…) lock the sender row too, so a control that returned is seen
 * by every later claim and none is half-way between its check and its commit.
 */
export async function claimNextMessage(
  trx: Transaction<Database>,
  input: LeaseInput,
): Promise<ClaimResult> {
  const [result] = await claimMessages(trx, [input]);
  if (!result) throw new Error('a claim of one sender must answer for it');
  return result;
}

type SenderRow = SenderState & { phone_number: string } & {
  [K in keyof NextMessage as `next_${K}`]: NextMessage[K] | null;
};

export interface ClaimOptions {
  /**
   * A sender due within this many seconds is claimed already, its message SENDING from its due
   * time (`sendableAt`): the claim's own latency then no longer delays the send. Default 0.
   */
  aheadSeconds?: number;
}

/**
 * `claimNextMessage` for several senders (each lease distinct) in one transaction: their states in
 * one statement, their senders locked in phone order (as every multi-sender lock is), then the
 * claims' writes in one statement. Each sender is decided exactly as alone; the common case costs
 * two statements for all of them. Results come in the order of `inputs`.
 */
export async function claimMessages(
  trx: Transaction<Database>,
  inputs: readonly LeaseInput[],
  options: ClaimOptions = {},
): Promise<ClaimResult[]> {
  const aheadSeconds = options.aheadSeconds ?? 0;
  const senders = inputs.map((input) => input.senderNumber);
  const rows = (
    await sql<SenderRow>`${planOnce}
      SELECT s.phone_number, s.lease_owner, s.lease_expires_at, now() AS now,
             ${pauseReason} AS pause_reason, ses.status AS session_status, ses.waha_session,
             w.id AS worker_id, w.url, w.api_key, w.tier,
             ${senderDueAt} > now() + make_interval(secs => ${aheadSeconds}::float8) AS must_wait,
             ${ceilToMilliseconds(senderDueAt)} AS due_at, ${senderDueReason} AS due_reason,
             ${delaysInForce.senderSwitch} AS switch_delay,
             ${delaysInForce.message} AS message_delay, ${policyFactColumns},
             nm.id AS next_id, nm.campaign_id AS next_campaign_id, nm.recipient AS next_recipient,
             nm.body AS next_body, nm.media_url AS next_media_url,
             nm.updated_at AS next_updated_at, nm.suppressed AS next_suppressed
      FROM senders s ${withDelaySettings} ${sessionAndWorker} ${withSenderPolicies}
      LEFT JOIN LATERAL (${nextMessageOfSender}) nm ON true
      WHERE s.phone_number = ANY(${senders}::text[])
      ORDER BY s.phone_number
      FOR UPDATE OF s
    `.execute(trx)
  ).rows;
  const byPhone = new Map(rows.map((row) => [row.phone_number, row]));
  // Workers whose pacing a claim reads are locked now, in id order, so batches of two dispatchers
  // that share workers cannot lock them in opposite orders.
  const paced = rows.filter((row) => row.switch_delay > 0 && row.worker_id !== null);
  if (paced.length > 1) {
    await sql`SELECT id FROM workers WHERE id = ANY(${paced.map((row) => row.worker_id)}::bigint[])
              ORDER BY id FOR UPDATE`.execute(trx);
  }
  const decided: (ClaimResult | Claimable)[] = [];
  // A worker a sender of this batch claimed is busy with it for the senders decided after it, as
  // if its write had already been made (it is made once, for all, below).
  const busy = new Map<number, string>();
  for (const input of inputs) {
    const result = await decide(trx, input, byPhone.get(input.senderNumber), busy);
    if (result.kind === 'claimable') busy.set(result.mark.workerId, input.senderNumber);
    decided.push(result);
  }
  const claimable = decided.filter((d): d is Claimable => d.kind === 'claimable');
  const marked = await markSendingMany(
    trx,
    claimable.map((c) => ({ ...c.lease, ...c.mark })),
  );
  return decided.map((d) => {
    if (d.kind !== 'claimable') return d;
    const claimed = marked.get(d.mark.messageId);
    // Changed since we read it (a cancel or a pause, say): look again straight away.
    if (!claimed) return { kind: 'wait', now: d.now, until: d.now, reason: 'MESSAGE_CHANGED' };
    return {
      ...d.claim,
      message: { ...d.claim.message, attempts: claimed.attempts - claimed.attempts_before_retry },
    };
  });
}

/** A sender whose claim goes ahead: its write (batched) and its result, once the write took. */
interface Claimable {
  kind: 'claimable';
  now: Date;
  lease: LeaseInput;
  mark: Omit<SendingMark, keyof LeaseInput>;
  claim: Extract<ClaimResult, { kind: 'claimed' }>;
}

async function decide(
  trx: Transaction<Database>,
  input: LeaseInput,
  sender: SenderRow | undefined,
  busy: ReadonlyMap<number, string>,
): Promise<ClaimResult | Claimable> {
  const { senderNumber, owner } = input;
  if (!sender || sender.lease_owner !== owner) return { kind: 'lost' };
  if (!sender.lease_expires_at || sender.lease_expires_at <= sender.now) return { kind: 'lost' };
  const { now } = sender;
  if (sender.pause_reason) {
    return { kind: 'paused', reason: sender.pause_reason, sessionStatus: sender.session_status };
  }
  const target = sendTargetOf(sender);

  if (sender.next_id === null) return nothingDue(trx, input, now);
  const next = sender.next_suppressed
    ? await nextClaimableMessage(trx, senderNumber)
    : {
        id: sender.next_id,
        campaign_id: sender.next_campaign_id as number,
        recipient: sender.next_recipient as string,
        body: sender.next_body as string,
        media_url: sender.next_media_url,
        updated_at: sender.next_updated_at as Date,
      };
  if (next === 'MORE') return { kind: 'wait', now, until: now, reason: 'SUPPRESSED' };
  if (!next) return { kind: 'empty' };
  const { policy, decision } = await decideForSender(trx, senderNumber, sender, now);
  if (decision.state === 'WAITING') {
    await holdSender(trx, senderNumber, decision.resumesAt, decision.reason);
    return { kind: 'held', now, until: decision.resumesAt, reason: decision.reason };
  }
  if (sender.must_wait) {
    return waitAndRenew(trx, input, now, { at: sender.due_at, reason: sender.due_reason });
  }

  // The worker's pacing is read (and its row locked) only when a sender-switch delay is in force:
  // without one `workerDueAt` never waits.
  if (sender.switch_delay > 0) {
    const worker = await trx
      .selectFrom('workers')
      .select([
        'last_sender_number',
        'last_send_done_at',
        'inflight_sender_number',
        'inflight_until',
      ])
      .where('id', '=', target.workerId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const waitForWorker = workerDueAt({
      now,
      senderNumber,
      switchDelaySeconds: sender.switch_delay,
      lastSenderNumber: worker.last_sender_number,
      lastSendDoneAt: worker.last_send_done_at,
      ...(busy.has(target.workerId)
        ? {
            inflightSenderNumber: busy.get(target.workerId) ?? null,
            inflightUntil: new Date(now.getTime() + input.leaseSeconds * 1000),
          }
        : {
            inflightSenderNumber: worker.inflight_sender_number,
            inflightUntil: worker.inflight_until,
          }),
    });
    if (waitForWorker) return waitAndRenew(trx, input, now, waitForWorker);
  }

  const sendableAt = new Date(Math.max(now.getTime(), sender.due_at.getTime()));
  return {
    kind: 'claimable',
    now,
    lease: input,
    mark: {
      messageId: next.id,
      workerId: target.workerId,
      burstRun: decision.burstRun,
      firstConnectedAt: sender.first_connected_at,
      pacesWorker: sender.switch_delay > 0,
      sendableAt,
    },
    claim: {
      kind: 'claimed',
      policy,
      now,
      // Due once the sender's pacing allowed it and the message was waiting (created or requeued).
      dueAt: new Date(Math.max(sender.due_at.getTime(), next.updated_at.getTime())),
      sendableAt,
      messageDelaySeconds: sender.message_delay,
      pacesWorker: sender.switch_delay > 0,
      message: {
        id: next.id,
        campaignId: next.campaign_id,
        recipient: next.recipient,
        body: next.body,
        mediaUrl: next.media_url,
        attempts: 0,
      },
      target,
    },
  };
}

/** A sender that can send has a session on a worker (`pauseReason` is null only then). */
function sendTargetOf(sender: SenderState): SendTarget {
  const { worker_id, url, api_key, waha_session } = sender;
  if (worker_id === null || url === null || api_key === null || waha_session === null) {
    throw new Error('a sender that can send must have a session on a worker');
  }
  return {
    workerId: worker_id,
    url,
    apiKey: api_key,
    tier: sender.tier,
    wahaSession: waha_session,
  };
}
