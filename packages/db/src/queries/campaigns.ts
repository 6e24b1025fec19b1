import {
  CAMPAIGN_STATUSES,
  type CampaignStatus,
  MESSAGE_STATUSES,
  type MessageStatus,
} from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Campaign, Database } from '../database.ts';

export interface NewCampaign {
  sender_number: string;
  template: string;
  variables: Record<string, unknown>;
  media_url: string | null;
  callback_url?: string | null;
  total_messages: number;
  duplicates_removed: number;
  /** A campaign with a future `send_at` is SCHEDULED until then. */
  send_at?: Date | null;
}

/**
 * Inserts a campaign whose messages are all still pending (counters add up to the total): PENDING,
 * or SCHEDULED while its `send_at` is ahead by the database clock (a past one sends now).
 */
export function insertCampaign(trx: Transaction<Database>, values: NewCampaign): Promise<Campaign> {
  const sendAt = values.send_at ?? null;
  return trx
    .insertInto('campaigns')
    .values({
      ...values,
      send_at: sendAt,
      status: sql<CampaignStatus>`CASE WHEN ${sendAt}::timestamptz > now() THEN 'SCHEDULED' ELSE 'PENDING' END`,
      variables: JSON.stringify(values.variables),
      pending_messages: values.total_messages,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A campaign by id; with `senderNumber`, only if it belongs to that sender. */
export function findCampaign(
  db: Kysely<Database>,
  id: number,
  senderNumber?: string,
): Promise<Campaign | undefined> {
  let query = db.selectFrom('campaigns').selectAll().where('id', '=', id);
  if (senderNumber !== undefined) query = query.where('sender_number', '=', senderNumber);
  return query.executeTakeFirst();
}

export interface CampaignFilters {
  sender_number?: string;
  status?: CampaignStatus;
  /** created_at >= from */
  from?: Date;
  /** created_at < until (exclusive), or <= when `untilInclusive`. */
  until?: Date;
  untilInclusive?: boolean;
}

const LIST_COLUMNS = [
  'id',
  'sender_number',
  'status',
  'template',
  'media_url',
  'total_messages',
  'pending_messages',
  'sending_messages',
  'sent_messages',
  'failed_messages',
  'unknown_messages',
  'cancelled_messages',
  'suppressed_messages',
  'duplicates_removed',
  'send_at',
  'created_at',
  'started_at',
  'completed_at',
] as const;

export type CampaignSummary = Pick<Campaign, (typeof LIST_COLUMNS)[number]>;

function filtered(db: Kysely<Database>, filters: CampaignFilters) {
  let query = db.selectFrom('campaigns');
  if (filters.sender_number !== undefined) {
    query = query.where('sender_number', '=', filters.sender_number);
  }
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  if (filters.from !== undefined) query = query.where('created_at', '>=', filters.from);
  if (filters.until !== undefined) {
    query = query.where('created_at', filters.untilInclusive ? '<=' : '<', filters.until);
  }
  return query;
}

/** One page of campaigns, newest first, and how many match in all. */
export async function listCampaigns(
  db: Kysely<Database>,
  filters: CampaignFilters,
  page: { limit: number; offset: number },
): Promise<{ rows: CampaignSummary[]; total: number }> {
  const [rows, total] = await Promise.all([
    filtered(db, filters)
      .select(LIST_COLUMNS)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    countCampaigns(db, filters),
  ]);
  return { rows, total };
}

/**
 * How many campaigns match: from the senders' campaign_count (kept by triggers) when only the
 * sender narrows the list, so a page of 100,000 campaigns does not count them all; else counted.
 */
async function countCampaigns(db: Kysely<Database>, filters: CampaignFilters): Promise<number> {
  const bySenderOnly =
    filters.status === undefined && filters.from === undefined && filters.until === undefined;
  if (!bySenderOnly) {
    const row = await filtered(db, filters)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
  let query = db
    .selectFrom('senders')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('campaign_count'), eb.lit(0)).as('n'));
  if (filters.sender_number !== undefined) {
    query = query.where('phone_number', '=', filters.sender_number);
  }
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/** How many campaigns are in each status, every status present (zero when none). */
export async function countCampaignsByStatus(
  db: Kysely<Database>,
): Promise<Record<CampaignStatus, number>> {
  const rows = await db
    .selectFrom('campaigns')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const counts = Object.fromEntries(CAMPAIGN_STATUSES.map((s) => [s, 0])) as Record<
    CampaignStatus,
    number
  >;
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/**
 * Messages in each status, summed from the campaign counters rather than counted over the messages
 * table: the counters are exact by construction (a CHECK keeps them adding up) and there are far
 * fewer campaigns than messages.
 */
export async function countMessagesByStatus(
  db: Kysely<Database>,
): Promise<Record<MessageStatus, number>> {
  const row = await db
    .selectFrom('campaigns')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>('pending_messages'), eb.lit(0)).as('PENDING'),
      eb.fn.coalesce(eb.fn.sum<number>('sending_messages'), eb.lit(0)).as('SENDING'),
      eb.fn.coalesce(eb.fn.sum<number>('sent_messages'), eb.lit(0)).as('SENT'),
      eb.fn.coalesce(eb.fn.sum<number>('failed_messages'), eb.lit(0)).as('FAILED'),
      eb.fn.coalesce(eb.fn.sum<number>('unknown_messages'), eb.lit(0)).as('UNKNOWN'),
      eb.fn.coalesce(eb.fn.sum<number>('cancelled_messages'), eb.lit(0)).as('CANCELLED'),
      eb.fn.coalesce(eb.fn.sum<number>('suppressed_messages'), eb.lit(0)).as('SUPPRESSED'),
    ])
    .executeTakeFirstOrThrow();
  return Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, Number(row[s])])) as Record<
    MessageStatus,
    number
  >;
}
