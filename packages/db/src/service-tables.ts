// The tables that serve the API and the queue around the ledger: secrets, idempotency, the change
// feed, media, webhook dedup, tokens, rate limits, openings and placement's pending counts.
import type { ColumnType } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types.ts';

export interface SecretsTable {
  name: string;
  value: string;
  created_at: CreatedAt;
}

export interface IdempotencyKeysTable {
  sender_number: string;
  key: string;
  request_hash: string;
  campaign_id: number;
  response_status: number;
  duplicate_recipients: ColumnType<string[], string, never>;
  created_at: CreatedAt;
}

/** xid8 values travel as decimal text (they may exceed 2^53). */
export interface CampaignEventsTable {
  seq: ColumnType<number, never, never>;
  xid: ColumnType<string, never, never>;
  campaign_id: number;
  message_id: number | null;
  recipient: string | null;
  status: string;
  error_code: string | null;
  /** `resolved_from_unknown` on a change out of UNKNOWN, else null. */
  note: ColumnType<string | null, string | null | undefined, never>;
  occurred_at: CreatedAt;
}

export interface WebhookOutboxCursorTable {
  id: ColumnType<number, number | undefined, never>;
  xid: ColumnType<string, string | undefined, string>;
  seq: ColumnType<number, number | undefined, number>;
  updated_at: CreatedAt;
}

export interface CampaignMediaTable {
  campaign_id: number;
  mimetype: string;
  filename: string;
  size_bytes: number;
  data: Buffer;
  created_at: CreatedAt;
}

export interface WahaWebhookEventsTable {
  event_id: string;
  received_at: CreatedAt;
}

export interface SenderTokensTable {
  phone_number: string;
  token_sha256: string;
  created_at: CreatedAt;
}

export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  hits: number;
}

export interface SessionOpeningsTable {
  phone_number: string;
  owner: string;
  expires_at: Timestamp;
}

/** Changes of `workers`' session counts not yet folded into them (trigger of 0013_reads_at_scale). */
export interface WorkerSessionChangesTable {
  worker_id: number;
  live: number;
  paired_stopped: number;
}
