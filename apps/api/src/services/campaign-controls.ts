import {
  type Campaign,
  cancelPendingMessages,
  enqueueSenderTurn,
  lockCampaignForControl,
  type RequeuedMessages,
  requeueFailedMessages,
  setCampaignStatus,
} from '@herald/db';
import {
  type CampaignControl,
  type CampaignStatus,
  CLAIMABLE_CAMPAIGN_STATUSES,
  campaignTransition,
  conflict,
  notFound,
} from '@herald/domain';
import type { AppDeps } from '../deps.ts';

export interface ControlResult {
  campaign: Campaign;
  /** For retry: what was re-queued and what was left. */
  retry?: RequeuedMessages;
}

/** What a refused control says to do instead. */
const ALLOWED_FROM: Record<CampaignControl, string> = {
  pause: 'only a PENDING, SCHEDULED or IN_PROGRESS campaign can be paused',
  resume: 'only a PAUSED campaign can be resumed',
  cancel: 'a finished campaign cannot be cancelled',
  retry:
    'only an IN_PROGRESS, PAUSED or COMPLETED_WITH_ERRORS campaign can retry its failed messages',
};

const claimable = (status: CampaignStatus) => CLAIMABLE_CAMPAIGN_STATUSES.some((s) => s === status);

/**
 * Pause, resume, cancel or retry, in one transaction that holds the campaign's sender (see
 * `lockCampaignForControl`): when it commits, no claim of the campaign is under way that ignored
 * it. A campaign that may send again gets its sender's turn queued in the same transaction.
 */
export async function controlCampaign(
  deps: Pick<AppDeps, 'db' | 'boss'>,
  control: CampaignControl,
  id: number,
  scope: string | undefined | null,
  options: { includeUnknown?: boolean } = {},
): Promise<ControlResult> {
  return deps.db.transaction().execute(async (trx) => {
    const locked = scope === null ? undefined : await lockCampaignForControl(trx, id, scope);
    // Another sender's campaign answers exactly like a missing one (see getCampaignStatus).
    if (!locked) throw notFound('CAMPAIGN_NOT_FOUND', `Campaign ${id} was not found`);
    const { campaign } = locked;
    const facts = { scheduledAhead: locked.scheduledAhead, started: campaign.started_at !== null };
    // Checked before anything is written, so a refused retry re-queues nothing.
    const allowed = campaignTransition(control, campaign.status, facts);
    if (!allowed.ok) {
      throw conflict(
        'INVALID_TRANSITION',
        `Campaign ${id} is ${campaign.status}: ${ALLOWED_FROM[control]}`,
        { campaign_id: id, status: campaign.status, action: control },
      );
    }
    // Repeating a control that already holds changes nothing (a client may resend it safely).
    if (!allowed.changed && control !== 'retry') return { campaign };
    let retry: RequeuedMessages | undefined;
    let to = allowed.to;
    if (control === 'cancel') {
      // Status first: the counters' move then keeps CANCELLED rather than completing it.
      await setCampaignStatus(trx, id, 'CANCELLED');
      await cancelPendingMessages(trx, id);
    } else if (control === 'retry') {
      retry = await requeueFailedMessages(trx, id, {
        includeUnknown: options.includeUnknown ?? false,
      });
      const after = campaignTransition('retry', campaign.status, {
        ...facts,
        requeued: retry.total,
      });
      if (after.ok) to = after.to;
    }
    const updated = await setCampaignStatus(trx, id, to);
    const mayNowSend = claimable(to) && (to !== campaign.status || (retry?.total ?? 0) > 0);
    if (mayNowSend) await enqueueSenderTurn(deps.boss, campaign.sender_number, { db: trx });
    return retry ? { campaign: updated, retry } : { campaign: updated };
  });
}
