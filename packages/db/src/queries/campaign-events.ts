import { type Kysely, sql } from 'kysely';
import type { Campaign, Database } from '../database.ts';

/**
 * A position in the change feed. Events are ordered by (xid, seq): the writing transaction's id,
 * then the row's sequence number. A transaction below the horizon (the oldest one still running)
 * can add no more events, so everything below it is final and a cursor can move past it.
 */
export interface EventCursor {
  xid: string;
  seq: number;
}

export const FEED_START: EventCursor = { xid: '0', seq: 0 };

export interface CampaignEvent {
  cursor: EventCursor;
  campaign_id: number;
  /** Null for a change of the campaign's own status. */
  message_id: number | null;
  recipient: string | null;
  status: string;
  error_code: string | null;
  /** `resolved_from_unknown` when the change left UNKNOWN (WAHA's record settled it). */
  note: string | null;
  occurred_at: Date;
}

/** `a` before `b` in feed order. */
export function cursorBefore(a: EventCursor, b: EventCursor): boolean {
  const ax = BigInt(a.xid);
  const bx = BigInt(b.xid);
  return ax < bx || (ax === bx && a.seq < b.seq);
}

export interface FeedSnapshot {
  /** Events of transactions below this xid are final; read nothing at or above it. */
  horizon: string;
  /** Every transaction this snapshot saw committed has an xid below this. */
  snapshotEnd: string;
  /** The campaign as committed at this snapshot; undefined if it does not exist. */
  campaign: Campaign | undefined;
  /** Committed events of the campaign not yet below the horizon: read them at a later tick. */
  eventsAboveHorizon: boolean;
}

/**
 * The feed horizon (xid8): the oldest transaction of this database still running, else the next
 * xid to be assigned. Events of transactions below it are final. Postgres' own snapshot xmin
 * would do, but it counts every database of the cluster: a long transaction elsewhere would hold
 * every stream back. A transaction of this database that starts later gets a larger xid.
 */
export const FEED_HORIZON = sql<string>`(
  SELECT COALESCE(
    (SELECT min(x) FROM pg_snapshot_xip(s.snap) AS x
     WHERE (x::text::bigint % 4294967296) IN (
       SELECT backend_xid::text::bigint FROM pg_stat_activity
       WHERE datname = current_database() AND backend_xid IS NOT NULL)),
    pg_snapshot_xmax(s.snap))
  FROM (SELECT pg_current_snapshot() AS snap) s
)`;

/** The horizon, the campaign and whether later events wait above the horizon, in one snapshot. */
export async function readFeedSnapshot(
  db: Kysely<Database>,
  campaignId: number,
): Promise<FeedSnapshot> {
  const { rows } = await sql<{
    horizon: string;
    snapshot_end: string;
    campaign: Campaign | null;
    above: boolean;
  }>`
    WITH h AS (SELECT ${FEED_HORIZON} AS horizon, pg_snapshot_xmax(pg_current_snapshot()) AS snap_end)
    SELECT h.horizon::text AS horizon,
           h.snap_end::text AS snapshot_end,
           (SELECT to_jsonb(c) FROM campaigns c WHERE c.id = ${campaignId}) AS campaign,
           EXISTS (SELECT 1 FROM campaign_events e
                   WHERE e.campaign_id = ${campaignId} AND e.xid >= h.horizon) AS above
    FROM h
  `.execute(db);
  const row = rows[0] as NonNullable<(typeof rows)[0]>;
  return {
    horizon: row.horizon,
    snapshotEnd: row.snapshot_end,
    campaign: row.campaign ? reviveCampaign(row.campaign) : undefined,
    eventsAboveHorizon: row.above,
  };
}

/** to_jsonb turns timestamps into strings; the rest of a campaign row survives JSON as is. */
function reviveCampaign(raw: Campaign): Campaign {
  const date = (v: unknown) => (v === null ? null : new Date(v as string));
  return {
    ...raw,
    created_at: new Date(raw.created_at),
    updated_at: new Date(raw.updated_at),
    started_at: date(raw.started_at),
    completed_at: date(raw.completed_at),
  };
}

/** A campaign's events after `after` and below `horizon`, in feed order. */
export async function readCampaignEvents(
  db: Kysely<Database>,
  campaignId: number,
  after: EventCursor,
  horizon: string,
  limit: number,
): Promise<CampaignEvent[]> {
  const { rows } = await sql<Omit<CampaignEvent, 'cursor'> & { xid: string; seq: number }>`
    SELECT xid::text AS xid, seq, campaign_id, message_id, recipient, status, error_code, note,
           occurred_at
    FROM campaign_events
    WHERE campaign_id = ${campaignId}
      AND (xid, seq) > (${after.xid}::xid8, ${after.seq}::bigint)
      AND xid < ${horizon}::xid8
    ORDER BY xid, seq
    LIMIT ${limit}
  `.execute(db);
  return rows.map(({ xid, seq, ...event }) => ({ cursor: { xid, seq }, ...event }));
}

/**
 * Forgets change-feed events older than `keepSeconds`, at most `limit` per call (streams then
 * replay a finished campaign from its first kept event; webhook jobs were made long before).
 */
export async function deleteOldCampaignEvents(
  db: Kysely<Database>,
  keepSeconds: number,
  limit: number,
): Promise<number> {
  const result = await sql`
    DELETE FROM campaign_events WHERE (xid, seq) IN (
      SELECT xid, seq FROM campaign_events
      WHERE occurred_at < now() - make_interval(secs => ${keepSeconds}::float8)
      LIMIT ${limit}
    )
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
