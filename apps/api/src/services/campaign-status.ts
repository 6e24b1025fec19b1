import {
  type Campaign,
  type CampaignMessageRow,
  type Database,
  findCampaign,
  findCampaignWithSending,
  listCampaignMessages,
  type SendingState,
} from '@herald/db';
import { type MessageStatus, notFound } from '@herald/domain';
import type { Kysely } from 'kysely';

export interface CampaignStatus {
  campaign: Campaign;
  /** Null unless details were asked for. */
  messages: CampaignMessageRow[] | null;
  /** Where the next page of messages starts; null on the last page (or without details). */
  nextCursor: string | null;
}

export interface MessagePage {
  limit: number;
  /** Rows to skip (the older way to page); not combined with a cursor. */
  offset?: number;
  /** A `next_cursor` from the previous page. */
  cursor?: string;
  /** Only messages in this status. */
  status?: MessageStatus;
}

/** A cursor is the last message id of a page: opaque to clients, checked by MessageCursor. */
export const MessageCursor = /^[1-9]\d{0,15}$/;

/**
 * A campaign and, on request, its messages. A campaign outside the caller's scope (null: the
 * caller sees nothing) answers exactly like a missing one, so ids cannot be probed for other
 * senders' campaigns.
 */
export async function getCampaignStatus(
  db: Kysely<Database>,
  id: number,
  scope: string | undefined | null,
  details: MessagePage | null,
): Promise<CampaignStatus> {
  if (scope === null) throw campaignNotFound(id);
  const [campaign, rows] = await Promise.all([
    findCampaign(db, id, scope),
    details && readPage(db, id, details),
  ]);
  if (!campaign) throw campaignNotFound(id);
  return { campaign, ...pageOf(details, rows) };
}

/**
 * `getCampaignStatus` and the sending state of the campaign's sender, read in the same statement
 * as the campaign.
 */
export async function getCampaignStatusAndSending(
  db: Kysely<Database>,
  id: number,
  scope: string | undefined | null,
  details: MessagePage | null,
): Promise<CampaignStatus & { sending: SendingState | null }> {
  if (scope === null) throw campaignNotFound(id);
  const [found, rows] = await Promise.all([
    findCampaignWithSending(db, id, scope),
    details && readPage(db, id, details),
  ]);
  if (!found) throw campaignNotFound(id);
  return { campaign: found.campaign, sending: found.sending, ...pageOf(details, rows) };
}

// The page is read beside the campaign (one round trip, not two) and dropped if it is not found.
// One row more than the page says whether another page follows, without counting.
const readPage = (db: Kysely<Database>, id: number, details: MessagePage) =>
  listCampaignMessages(db, id, {
    limit: details.limit + 1,
    offset: details.offset,
    after: details.cursor === undefined ? undefined : Number(details.cursor),
    status: details.status,
  });

function pageOf(
  details: MessagePage | null,
  rows: CampaignMessageRow[] | null,
): Pick<CampaignStatus, 'messages' | 'nextCursor'> {
  if (!details || !rows) return { messages: null, nextCursor: null };
  const messages = rows.slice(0, details.limit);
  const last = messages.at(-1);
  const nextCursor = rows.length > details.limit && last ? String(last.id) : null;
  return { messages, nextCursor };
}

export const campaignNotFound = (id: number) =>
  notFound('CAMPAIGN_NOT_FOUND', `Campaign ${id} was not found`);
