import type { LeaseInput } from '@herald/db';
import type { DispatchOutcome } from '@herald/domain';
import type { DispatchContext } from '../context.ts';
import { outcomeOfError } from '../outcome.ts';
import { type OutgoingMedia, recipientExists, sendCampaignMessage } from '../send-message.ts';
import type { Claimed } from './record-send.ts';

const LEASE_LAPSING: DispatchOutcome = {
  kind: 'RETRY',
  code: 'LEASE_LOST',
  error: 'the sender lease may have lapsed (the heartbeat could not renew it) before the call',
  backoffSeconds: 0,
};

/** The WAHA side of one message: the optional recipient check, then the send. Never throws. */
export async function deliver(
  ctx: DispatchContext,
  lease: LeaseInput,
  { message, target }: Claimed,
  claimStarted: number,
): Promise<DispatchOutcome> {
  const { config, outcomePolicy } = ctx;
  const client = ctx.wahaClients.clientFor({ url: target.url, apiKey: target.apiKey });
  const media = message.mediaUrl ? await loadMedia(ctx, message.campaignId) : null;
  if (media && 'kind' in media) return media;
  const outgoing = {
    wahaSession: target.wahaSession,
    recipient: message.recipient,
    body: message.body,
    media,
  };
  if (config.checkNumbers) {
    if (!ctx.fleet.leaseStands(lease.senderNumber, claimStarted)) return LEASE_LAPSING;
    try {
      if (!(await recipientExists(client, outgoing))) {
        return {
          kind: 'FAILED',
          code: 'NOT_ON_WHATSAPP',
          error: `${message.recipient} is not on WhatsApp`,
        };
      }
    } catch (error) {
      return outcomeOfError(error, 'check', message.attempts, outcomePolicy);
    }
  }
  // No call starts unless the lease surely stands (renewed by the claim or by a heartbeat since):
  // after a failed heartbeat another dispatcher may take the sender. Nothing was sent: a retry.
  if (!ctx.fleet.leaseStands(lease.senderNumber, claimStarted)) return LEASE_LAPSING;
  try {
    const sent = await ctx.sendTimeouts.time(target.workerId, (timeoutMs) =>
      sendCampaignMessage(client, outgoing, { timeoutMs, signal: ctx.fleet.callSignal() }),
    );
    return { kind: 'SENT', wahaMessageId: sent.id };
  } catch (error) {
    return outcomeOfError(error, 'send', message.attempts, outcomePolicy);
  }
}

/**
 * The bytes the gateway fetched for the campaign. WAHA is never given the user's URL, so a
 * campaign whose media is not stored cannot send it: its messages fail rather than go without.
 */
async function loadMedia(
  ctx: DispatchContext,
  campaignId: number,
): Promise<OutgoingMedia | DispatchOutcome> {
  try {
    const media = await ctx.media.get(campaignId);
    if (media) return media;
    return { kind: 'FAILED', code: 'MEDIA_UNAVAILABLE', error: 'the campaign has no stored media' };
  } catch (error) {
    return { kind: 'RETRY', code: 'DB_ERROR', error: String(error), backoffSeconds: 5 };
  }
}
