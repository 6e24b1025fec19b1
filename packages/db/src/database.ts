import type {
  CampaignStatus,
  MessageStatus,
  SessionStatus,
  WahaSessionStatus,
  WorkerTier,
} from '@herald/domain';
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type {
  CreatedAt,
  Id,
  NullableSeconds,
  NullableTimestamp,
  Seconds,
  Timestamp,
} from './column-types.ts';
import type {
  CampaignEventsTable,
  CampaignMediaTable,
  IdempotencyKeysTable,
  RateLimitsTable,
  SecretsTable,
  SenderTokensTable,
  SessionOpeningsTable,
  WahaWebhookEventsTable,
  WebhookOutboxCursorTable,
  WorkerSessionChangesTable,
} from './service-tables.ts';

export interface WorkersTable {
  id: Id;
  name: string;
  url: string;
  api_key: string;
  capacity: ColumnType<number, number | undefined, number>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  tier: WorkerTier | null;
  engine: string | null;
  version: string | null;
  healthy: ColumnType<boolean, boolean | undefined, boolean>;
  last_seen_at: NullableTimestamp;
  last_error: string | null;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  next_probe_at: CreatedAt;
  last_sender_number: string | null;
  last_send_done_at: NullableTimestamp;
  inflight_sender_number: string | null;
  inflight_until: NullableTimestamp;
  /** Ambiguous send failures counted in the breaker's current window (see `worker-breaker.ts`). */
  breaker_failures: ColumnType<number, number | undefined, number>;
  breaker_window_started_at: NullableTimestamp;
  /** Set while the breaker holds the worker degraded: no probe restores it before then. */
  degraded_until: NullableTimestamp;
  /** Sessions on it not in an ended status, as of the last fold (see worker-loads.ts). */
  live_sessions: ColumnType<number, number | undefined, number>;
  /** STOPPED sessions on it that were paired (they hold Core's `default`), as of the last fold. */
  paired_stopped_sessions: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface SendersTable {
  phone_number: string;
  message_delay: NullableSeconds;
  sender_switch_delay: NullableSeconds;
  next_send_at: CreatedAt;
  lease_owner: string | null;
  lease_expires_at: NullableTimestamp;
  last_sent_at: NullableTimestamp;
  first_connected_at: NullableTimestamp;
  burst_run: ColumnType<number, number | undefined, number>;
  held_reason: string | null;
  jitter_seconds: ColumnType<number, number | string | undefined, number | string>;
  paused_reason: 'HEALTH' | null;
  paused_details: ColumnType<unknown, string | null | undefined, string | null>;
  paused_at: NullableTimestamp;
  health_reset_at: NullableTimestamp;
  /** How many campaigns the sender has: kept by triggers on campaigns, never written here. */
  campaign_count: ColumnType<number, never, never>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** Policies are stored as the API accepts them (`SenderPolicyInput`), parsed when read. */
/** A live dispatcher: its heartbeat moves `expires_at` on; past it, the row is a dead one's. */
export interface DispatchersTable {
  id: string;
  started_at: CreatedAt;
  heartbeat_at: CreatedAt;
  expires_at: Timestamp;
}

export interface SenderPolicyTable {
  id: ColumnType<number, number | undefined, never>;
  policy: ColumnType<unknown, string, string>;
  updated_at: CreatedAt;
}

export interface SenderPolicyOverridesTable {
  sender_number: string;
  policy: ColumnType<unknown, string, string>;
  updated_at: CreatedAt;
}

export interface SenderSendsTable {
  id: Id;
  sender_number: string;
  message_id: number;
  sent_at: CreatedAt;
  result: 'OK' | 'FAILED' | 'NOT_ON_WHATSAPP' | null;
}

export interface SuppressionsTable {
  id: Id;
  /** null: every sender. */
  sender_number: string | null;
  recipient: string;
  source: 'OPT_OUT' | 'ADMIN';
  keyword: string | null;
  created_at: CreatedAt;
}

export interface DelaySettingsTable {
  id: ColumnType<number, number | undefined, never>;
  message_delay: Seconds;
  sender_switch_delay: Seconds;
  updated_at: CreatedAt;
}

export interface SessionsTable {
  phone_number: string;
  worker_id: number | null;
  waha_session: string;
  status: SessionStatus;
  waha_status: WahaSessionStatus | null;
  me_id: string | null;
  push_name: string | null;
  qr_expires_at: NullableTimestamp;
  connected_at: NullableTimestamp;
  phone_active_at: NullableTimestamp;
  device_active_at: NullableTimestamp;
  keepalive_at: NullableTimestamp;
  last_error: string | null;
  status_changed_at: CreatedAt;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface CampaignsTable {
  id: Id;
  sender_number: string;
  template: string;
  variables: ColumnType<Record<string, unknown>, string | undefined, string>;
  media_url: string | null;
  /** Where this campaign's webhooks go (else CLIENT_WEBHOOK_URL). */
  callback_url: ColumnType<string | null, string | null | undefined, string | null>;
  status: ColumnType<CampaignStatus, CampaignStatus | undefined, CampaignStatus>;
  total_messages: number;
  pending_messages: number;
  sending_messages: ColumnType<number, number | undefined, number>;
  sent_messages: ColumnType<number, number | undefined, number>;
  failed_messages: ColumnType<number, number | undefined, number>;
  unknown_messages: ColumnType<number, number | undefined, number>;
  cancelled_messages: ColumnType<number, number | undefined, number>;
  send_at: NullableTimestamp;
  suppressed_messages: ColumnType<number, number | undefined, number>;
  duplicates_removed: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  updated_at: CreatedAt;
}

export interface MessagesTable {
  id: Id;
  campaign_id: number;
  sender_number: string;
  recipient: string;
  body: string;
  status: ColumnType<MessageStatus, MessageStatus | undefined, MessageStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  attempts_before_retry: ColumnType<number, number | undefined, number>;
  /** A PENDING message put back by a transient error goes again no sooner than this. */
  retry_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  error_code: string | null;
  error: string | null;
  waha_message_id: string | null;
  ack: number | null;
  claimed_by: string | null;
  sending_at: NullableTimestamp;
  sent_at: NullableTimestamp;
  delivered_at: NullableTimestamp;
  read_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: CreatedAt;
  /** An UNKNOWN message is not looked up at WAHA again before this. */
  resolve_after: NullableTimestamp;
  resolve_checks: ColumnType<number, number | undefined, number>;
}

export interface Database {
  workers: WorkersTable;
  worker_session_changes: WorkerSessionChangesTable;
  senders: SendersTable;
  delay_settings: DelaySettingsTable;
  sessions: SessionsTable;
  campaigns: CampaignsTable;
  messages: MessagesTable;
  secrets: SecretsTable;
  idempotency_keys: IdempotencyKeysTable;
  campaign_events: CampaignEventsTable;
  webhook_outbox_cursor: WebhookOutboxCursorTable;
  campaign_media: CampaignMediaTable;
  waha_webhook_events: WahaWebhookEventsTable;
  sender_tokens: SenderTokensTable;
  rate_limits: RateLimitsTable;
  session_openings: SessionOpeningsTable;
  sender_policy: SenderPolicyTable;
  sender_policy_overrides: SenderPolicyOverridesTable;
  sender_sends: SenderSendsTable;
  suppressions: SuppressionsTable;
  dispatchers: DispatchersTable;
}

export type Worker = Selectable<WorkersTable>;
export type NewWorker = Insertable<WorkersTable>;
export type WorkerUpdate = Updateable<WorkersTable>;
export type Sender = Selectable<SendersTable>;
export type Session = Selectable<SessionsTable>;
export type NewSession = Insertable<SessionsTable>;
export type SessionUpdate = Updateable<SessionsTable>;
export type Campaign = Selectable<CampaignsTable>;
export type Message = Selectable<MessagesTable>;
export type DelaySettings = Selectable<DelaySettingsTable>;
export type { Timestamp };
