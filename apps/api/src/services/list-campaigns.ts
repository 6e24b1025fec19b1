import {
  type CampaignFilters,
  type CampaignSummary,
  countCampaignsByStatus,
  countMessagesByStatus,
  type Database,
  listCampaigns,
} from '@herald/db';
import { type CampaignStatus, type DateBound, dateRange, type MessageStatus } from '@herald/domain';
import type { Kysely } from 'kysely';

export interface CampaignListQuery {
  status?: CampaignStatus | undefined;
  start_date?: DateBound | undefined;
  end_date?: DateBound | undefined;
  limit: number;
  offset: number;
}

export interface CampaignPage {
  rows: CampaignSummary[];
  total: number;
}

/** The campaign filters a query asks for (see `dateRange` for the dates), within the caller's scope. */
export function toCampaignFilters(
  query: Omit<CampaignListQuery, 'limit' | 'offset'>,
  scope: string | undefined,
): CampaignFilters {
  const filters: CampaignFilters = dateRange(query.start_date, query.end_date);
  if (scope !== undefined) filters.sender_number = scope;
  if (query.status !== undefined) filters.status = query.status;
  return filters;
}

export function listCampaignPage(
  db: Kysely<Database>,
  query: CampaignListQuery,
  scope: string | undefined,
): Promise<CampaignPage> {
  return listCampaigns(db, toCampaignFilters(query, scope), query);
}

export interface CampaignOverview {
  campaignStatus: Record<CampaignStatus, number>;
  messageStatus: Record<MessageStatus, number>;
  recent: CampaignSummary[];
  page: CampaignPage;
}

/**
 * The admin dashboard: system-wide counts and the five newest campaigns (whatever the filters),
 * plus one filtered page of campaigns.
 */
export async function getCampaignOverview(
  db: Kysely<Database>,
  query: CampaignListQuery,
  scope: string | undefined,
): Promise<CampaignOverview> {
  const filters = toCampaignFilters(query, scope);
  const [campaignStatus, messageStatus, recent, page] = await Promise.all([
    countCampaignsByStatus(db),
    countMessagesByStatus(db),
    listCampaigns(db, {}, { limit: 5, offset: 0 }),
    listCampaigns(db, filters, query),
  ]);
  return { campaignStatus, messageStatus, recent: recent.rows, page };
}
