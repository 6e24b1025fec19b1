import {
  type Campaign,
  type CampaignMessageRow,
  type Database,
  findCampaign,
  listCampaignMessages,
} from '@herald/db';
import { notFound } from '@herald/domain';
import type { Kysely } from 'kysely';

export interface CampaignStatus {
  campaign: Campaign;
  /** Null unless details were asked for. */
  messages: CampaignMessageRow[] | null;
}

/**
 * A campaign and, on request, its messages. A campaign outside the caller's scope (null: the
 * caller sees nothing) answers exactly like a missing one, so ids cannot be probed for other
 * senders' campaigns.
 */
export async function getCampaignStatus(
  db: Kysely<Database>,
  id: number,
  scope: string | undefined | null,
  details: { limit?: number; offset?: number } | null,
): Promise<CampaignStatus> {
  if (scope === null) throw campaignNotFound(id);
  const campaign = await findCampaign(db, id, scope);
  if (!campaign) throw campaignNotFound(id);
  const messages = details ? await listCampaignMessages(db, id, details) : null;
  return { campaign, messages };
}

export const campaignNotFound = (id: number) =>
  notFound('CAMPAIGN_NOT_FOUND', `Campaign ${id} was not found`);
