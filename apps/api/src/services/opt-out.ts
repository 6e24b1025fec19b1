import { addSuppression, findSession } from '@herald/db';
import { accountDigits, matchOptOut, toChatId } from '@herald/domain';
import { IncomingMessagePayloadSchema, type WahaWebhookEvent } from '@herald/waha';
import type { AppDeps } from '../deps.ts';
import { wahaClientFor } from './waha-sessions.ts';

/**
 * WAHA's `message` event: a recipient wrote to a sender. A reply that is an opt-out keyword
 * suppresses the recipient for that sender (or for every sender, OPT_OUT_SCOPE=GLOBAL): queued
 * messages to them become SUPPRESSED when their turn comes, and no new campaign queues them.
 */
export async function onIncomingMessage(
  deps: AppDeps,
  envelope: WahaWebhookEvent,
  sender: string | null,
): Promise<string> {
  const payload = IncomingMessagePayloadSchema.safeParse(envelope.payload);
  if (!sender || !payload.success || payload.data.fromMe) return 'ignored';
  // Groups and broadcasts cannot opt out of a direct campaign.
  if (!payload.data.from.endsWith('@c.us')) return 'ignored';
  const keyword = matchOptOut(payload.data.body ?? '', deps.config.optOutKeywords);
  if (!keyword) return 'not an opt-out';
  const recipient = accountDigits(payload.data.from);
  const { created } = await addSuppression(deps.db, {
    senderNumber: deps.config.optOutScope === 'GLOBAL' ? null : sender,
    recipient,
    source: 'OPT_OUT',
    keyword,
  });
  deps.logger.info('recipient opted out', { sender, recipient, keyword });
  if (created && deps.config.optOutReply) await confirmOptOut(deps, sender, recipient);
  return 'opted out';
}

/** Best effort: the opt-out holds whether or not the confirmation gets through. */
async function confirmOptOut(deps: AppDeps, sender: string, recipient: string): Promise<void> {
  const text = deps.config.optOutReply;
  const session = await findSession(deps.db, sender);
  if (!text || !session || session.worker_id === null) return;
  try {
    const client = await wahaClientFor(deps, session.worker_id);
    await client.sendText({ session: session.waha_session, chatId: toChatId(recipient), text });
  } catch (error) {
    deps.logger.warn('the opt-out confirmation was not sent', { sender, error: String(error) });
  }
}
