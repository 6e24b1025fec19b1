import {
  type CampaignFilters,
  type CampaignSummary,
  countCampaignsByStatus,
  countMessagesByStatus,
  type Database,
  listCampaigns,
} from '@herald/db';
import { type CampaignStatus, type MessageStatus, validationError } from '@herald/domain';
import type { Kysely } from 'kysely';

export interface CampaignListQuery {
  status?: CampaignStatus | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
  limit: number;
  offset: number;
}

export interface CampaignPage {
  rows: CampaignSummary[];
  total: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DAY_MS = 86_400_000;

/**
 * Reads `2024-05-01` (a whole UTC day) or an ISO date-time (UTC when it has no offset).
 * Returns null for anything else, including impossible dates such as 2024-02-30.
 */
export function parseDateBound(value: string): { at: Date; dateOnly: boolean } | null {
  if (DATE_ONLY.test(value)) {
    const at = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(value)
      ? { at, dateOnly: true }
      : null;
  }
  if (!DATE_TIME.test(value)) return null;
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
  const at = new Date(hasOffset ? value : `${value}Z`);
  const day = value.slice(0, 10);
  if (Number.isNaN(at.getTime())) return null;
  // Date accepts 2024-02-30T10:00Z by rolling over; the calendar day must survive as written.
  if (!hasOffset && !at.toISOString().startsWith(day)) return null;
  return { at, dateOnly: false };
}

/**
 * The campaign filters a query asks for. A date-only `end_date` includes that whole day, so
 * `start_date=2024-05-01&end_date=2024-05-01` lists the campaigns of May 1st.
 */
export function toCampaignFilters(
  query: Omit<CampaignListQuery, 'limit' | 'offset'>,
  scope: string | undefined,
): CampaignFilters {
  const filters: CampaignFilters = {};
  if (scope !== undefined) filters.sender_number = scope;
  if (query.status !== undefined) filters.status = query.status;
  const start = query.start_date === undefined ? null : parseDateBound(query.start_date);
  const end = query.end_date === undefined ? null : parseDateBound(query.end_date);
  if (start) filters.from = start.at;
  if (end) {
    filters.until = end.dateOnly ? new Date(end.at.getTime() + DAY_MS) : end.at;
    filters.untilInclusive = !end.dateOnly;
  }
  if (filters.from && filters.until && filters.from > filters.until) {
    throw validationError('INVALID_DATE_RANGE', 'start_date is after end_date', {
      start_date: query.start_date,
      end_date: query.end_date,
    });
  }
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
