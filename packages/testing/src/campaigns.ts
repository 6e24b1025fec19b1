import { type Campaign, type Database, findCampaign, type Message } from '@herald/db';
import type { Kysely } from 'kysely';
import { waitFor } from './wait-for.ts';

/** A campaign's message rows in sending order, every column. */
export function campaignMessages(db: Kysely<Database>, campaignId: number): Promise<Message[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('id')
    .execute();
}

/**
 * Waits until the campaign has nothing PENDING or SENDING left and returns it. The bound only
 * decides how long a broken run takes to fail, so it is generous for a heavily loaded machine.
 */
export function waitForCampaignDone(
  db: Kysely<Database>,
  id: number,
  timeoutMs = 120_000,
): Promise<Campaign> {
  return waitFor(
    async () => {
      const campaign = await findCampaign(db, id);
      return campaign?.status.startsWith('COMPLETED') ? campaign : null;
    },
    { timeoutMs, intervalMs: 50, what: `campaign ${id} to complete` },
  );
}

/**
 * Waits until the campaign is COMPLETED with no message UNKNOWN: an UNKNOWN left by a kill or a
 * timeout is first resolved from WAHA's record (and sent again if it was not sent).
 */
export function waitForCampaignExact(
  db: Kysely<Database>,
  id: number,
  timeoutMs = 120_000,
): Promise<Campaign> {
  return waitFor(
    async () => {
      const campaign = await findCampaign(db, id);
      return campaign?.status === 'COMPLETED' && campaign.unknown_messages === 0 ? campaign : null;
    },
    { timeoutMs, intervalMs: 100, what: `campaign ${id} to complete with 0 UNKNOWN` },
  );
}

/** The campaign's counters and the same counts taken from its message rows, to compare. */
export async function countersAndRows(db: Kysely<Database>, campaign: Campaign) {
  const rows = await campaignMessages(db, campaign.id);
  const count = (status: Message['status']) => rows.filter((r) => r.status === status).length;
  return {
    counters: {
      pending: campaign.pending_messages,
      sending: campaign.sending_messages,
      sent: campaign.sent_messages,
      failed: campaign.failed_messages,
      unknown: campaign.unknown_messages,
      cancelled: campaign.cancelled_messages,
      suppressed: campaign.suppressed_messages,
    },
    rows: {
      pending: count('PENDING'),
      sending: count('SENDING'),
      sent: count('SENT'),
      failed: count('FAILED'),
      unknown: count('UNKNOWN'),
      cancelled: count('CANCELLED'),
      suppressed: count('SUPPRESSED'),
    },
  };
}

/** `count` distinct recipient numbers starting at `base`. */
export function recipients(base: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(base + i));
}

/** Recipient digits of a chat id. */
export const digitsOf = (chatId: string) => chatId.split('@')[0] ?? '';
