import type { CampaignStatus } from './statuses.ts';

/** What a user can do to a running campaign (`POST /api/campaigns/{id}/<control>`). */
export const CAMPAIGN_CONTROLS = ['pause', 'resume', 'cancel', 'retry'] as const;
export type CampaignControl = (typeof CAMPAIGN_CONTROLS)[number];

/** Campaigns whose PENDING messages a dispatcher may claim; every other status holds them back. */
export const CLAIMABLE_CAMPAIGN_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
] as const satisfies readonly CampaignStatus[];

/** Facts the target status depends on, read under the campaign's lock. */
export interface TransitionFacts {
  /** `send_at` is still in the future. */
  scheduledAhead: boolean;
  /** A message of it was claimed once (`started_at` is set). */
  started: boolean;
  /** For retry: how many messages the retry puts back to PENDING. */
  requeued?: number;
}

export type Transition =
  | { ok: true; to: CampaignStatus; changed: boolean }
  | { ok: false; from: CampaignStatus };

const OPEN: ReadonlySet<CampaignStatus> = new Set(['PENDING', 'IN_PROGRESS', 'SCHEDULED']);

/** Where a campaign goes when it may send again: its schedule, where it left off, or its start. */
function runnableStatus(facts: TransitionFacts): CampaignStatus {
  if (facts.scheduledAhead) return 'SCHEDULED';
  return facts.started ? 'IN_PROGRESS' : 'PENDING';
}

/**
 * The campaign status a control leads to, or a refusal. Repeating a control that already holds
 * (pause a PAUSED campaign, resume a running one, cancel a CANCELLED one) is allowed and changes
 * nothing, so a client may safely resend it; anything else out of order is refused.
 */
export function campaignTransition(
  control: CampaignControl,
  from: CampaignStatus,
  facts: TransitionFacts,
): Transition {
  const to = targetOf(control, from, facts);
  return to === null ? { ok: false, from } : { ok: true, to, changed: to !== from };
}

function targetOf(
  control: CampaignControl,
  from: CampaignStatus,
  facts: TransitionFacts,
): CampaignStatus | null {
  switch (control) {
    case 'pause':
      return OPEN.has(from) || from === 'PAUSED' ? 'PAUSED' : null;
    case 'resume':
      if (from === 'PAUSED') return runnableStatus(facts);
      return OPEN.has(from) ? from : null;
    case 'cancel':
      return OPEN.has(from) || from === 'PAUSED' || from === 'CANCELLED' ? 'CANCELLED' : null;
    case 'retry':
      // A finished campaign with errors runs again; a paused one stays paused until resumed.
      if (from === 'COMPLETED_WITH_ERRORS') {
        return (facts.requeued ?? 0) > 0 ? 'IN_PROGRESS' : from;
      }
      return from === 'IN_PROGRESS' || from === 'PAUSED' ? from : null;
  }
}

/**
 * Failure codes a new attempt cannot change: the recipient is not on WhatsApp, or WAHA refused
 * the request itself (bad input such as an unsupported media type, a Plus-only feature on Core,
 * an endpoint the engine lacks). Every other FAILED message may succeed on a retry.
 */
const PERMANENT_FAILURES: ReadonlySet<string> = new Set([
  'NOT_ON_WHATSAPP',
  'BAD_REQUEST',
  'PLUS_ONLY',
  'NOT_IMPLEMENTED',
  'UNPROCESSABLE',
]);

/** Whether a FAILED message with this code is re-queued by a retry. */
export function isRetryableFailure(code: string | null): boolean {
  return code === null || !PERMANENT_FAILURES.has(code);
}

export const PERMANENT_FAILURE_CODES: readonly string[] = [...PERMANENT_FAILURES];

/** The latest `send_at` a campaign may have: one calendar year from now. */
export function latestSendAt(now: Date): Date {
  const latest = new Date(now);
  latest.setUTCFullYear(latest.getUTCFullYear() + 1);
  return latest;
}
