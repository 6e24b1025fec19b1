// Generated from Herald's /openapi.json by apps/web/scripts/api-types.ts. Do not edit:
// run `pnpm --filter @herald/web api-types <gateway url>`.

export type AdminCampaigns = {
  campaign_status: {
    PENDING?: number;
    IN_PROGRESS?: number;
    COMPLETED?: number;
    COMPLETED_WITH_ERRORS?: number;
    SCHEDULED?: number;
    PAUSED?: number;
    CANCELLED?: number;
  };
  message_status: {
    PENDING?: number;
    SENDING?: number;
    SENT?: number;
    FAILED?: number;
    UNKNOWN?: number;
    CANCELLED?: number;
    SUPPRESSED?: number;
  };
  recent_campaigns: CampaignListItem[];
  last_refresh: string;
  campaigns: CampaignListItem[];
  total: number;
  limit: number;
  offset: number;
};

export type AdminMetrics = {
  active_sessions: number;
  messages_sent_today: number;
  current_queue_size: number;
  server_uptime: number;
  total_campaigns: number;
  total_users: number;
  total_sessions: number;
  workers_healthy: number;
  workers_total: number;
  messages_pending: number;
  messages_sending: number;
  messages_failed: number;
  messages_unknown: number;
  campaigns_in_progress: number;
};

export type AdminSession = {
  phone_number: string;
  status: 'STARTING' | 'WAITING_FOR_SCAN' | 'SCANNED' | 'CONNECTED' | 'DISCONNECTED' | 'STOPPED' | 'EXPIRED' | 'FAILED' | 'WRONG_ACCOUNT';
  waha_status: 'STOPPED' | 'STARTING' | 'SCAN_QR_CODE' | 'WORKING' | 'FAILED' | null;
  worker_id: number | null;
  worker_name: string | null;
  last_active: string | null;
  expires_at: string | null;
  requires_auth: boolean;
  expiry_warning: boolean;
  qr_code: null;
  qr_expiry: null;
};

export type AdminThroughput = {
  since: string;
  minutes: {
    minute: string;
    sent: number;
    failed: number;
    unknown: number;
    suppressed: number;
  }[];
};

export type AdminUser = {
  phone_number: string;
  total_campaigns: number;
  total_messages: number;
  sent_messages: number;
  failed_messages: number;
  active_session: boolean;
  session_status: 'STARTING' | 'WAITING_FOR_SCAN' | 'SCANNED' | 'CONNECTED' | 'DISCONNECTED' | 'STOPPED' | 'EXPIRED' | 'FAILED' | 'WRONG_ACCOUNT' | null;
  last_active: string | null;
  last_campaign: string | null;
};

export type CampaignCreated = {
  id: number;
  status: 'PENDING' | 'SCHEDULED';
  sender_number: string;
  total_messages: number;
  pending_messages: number;
  duplicates_removed: number;
  duplicate_recipients: string[];
  suppressed: number;
  suppressed_recipients: string[];
  template: string;
  media_url: string | null;
  send_at: string | null;
  created_at: string;
};

export type CampaignEventStream = string;

export type CampaignListItem = {
  id: number;
  sender_number: string;
  status: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'SCHEDULED' | 'PAUSED' | 'CANCELLED';
  template: string;
  media_url: string | null;
  total_messages: number;
  pending_messages: number;
  sending_messages: number;
  sent_messages: number;
  failed_messages: number;
  unknown_messages: number;
  cancelled_messages: number;
  suppressed_messages: number;
  duplicates_removed: number;
  progress: number;
  send_at: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
};

export type CampaignMessage = {
  id: number;
  campaign_id: number;
  recipient: string;
  message: string;
  media_url: string | null;
  status: 'PENDING' | 'SENDING' | 'SENT' | 'FAILED' | 'UNKNOWN' | 'CANCELLED' | 'SUPPRESSED';
  error: string | null;
  error_code: string | null;
  attempts: number;
  sent_at: string | null;
  delivered_at: string | null;
  read_at: string | null;
  waha_message_id: string | null;
  ack: number | null;
};

export type CampaignStatus = {
  id: number;
  sender_number: string;
  status: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'SCHEDULED' | 'PAUSED' | 'CANCELLED';
  template: string;
  media_url: string | null;
  total_messages: number;
  pending_messages: number;
  sending_messages: number;
  sent_messages: number;
  failed_messages: number;
  unknown_messages: number;
  cancelled_messages: number;
  suppressed_messages: number;
  duplicates_removed: number;
  progress: number;
  send_at: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  variables: {
    [key: string]: unknown;
  };
  messages: CampaignMessage[] | null;
  next_cursor: string | null;
  sending: {
    state: 'ACTIVE' | 'WAITING' | 'PAUSED';
    reason: string | null;
    resumes_at: string | null;
    details?: unknown;
  };
};

export type CreateSessionRequest = {
  phone_number: string;
};

export type CreateWorkerRequest = {
  url: string;
  api_key: string;
  capacity?: number;
  name?: string;
  enabled?: boolean;
};

export type DelaySettings = {
  MESSAGE_DELAY: number;
  SENDER_SWITCH_DELAY: number;
  updated_at: string;
};

export type DelaySettingsUpdate = {
  MESSAGE_DELAY?: number;
  SENDER_SWITCH_DELAY?: number;
};

export type DeletedSession = {
  phone_number: string;
  status: 'DELETED';
  message: string;
};

export type DeletedWorker = {
  id: number;
  deleted: true;
  ended_sessions: string[];
};

export type Error = {
  error: {
    code: string;
    message: string;
    details?: unknown;
  };
};

export type Health = {
  status: 'ok';
};

export type OpenedSession = {
  phone_number: string;
  status: 'STARTING' | 'WAITING_FOR_SCAN' | 'SCANNED' | 'CONNECTED' | 'DISCONNECTED' | 'STOPPED' | 'EXPIRED' | 'FAILED' | 'WRONG_ACCOUNT';
  message: string;
  waha_status: 'STOPPED' | 'STARTING' | 'SCAN_QR_CODE' | 'WORKING' | 'FAILED' | null;
  last_active: string | null;
  expires_at: string | null;
  requires_auth: boolean;
  expiry_warning: boolean;
  worker: {
    id: number;
    name: string | null;
    url: string | null;
  } | null;
  waha_session: string;
  connected_at: string | null;
  me: {
    id: string;
    push_name: string | null;
  } | null;
  last_error: string | null;
  qr_expires_at: string | null;
  created_at: string;
  data: {
    [key: string]: unknown;
  } | null;
  sending?: {
    state: 'ACTIVE' | 'WAITING' | 'PAUSED';
    reason: string | null;
    resumes_at: string | null;
    details?: unknown;
  };
  sender_token?: string;
};

export type Readiness = {
  ready: boolean;
  checks: {
    database: string;
    migrations: string;
    queue: string;
  };
};

export type RecipientWithVariables = {
  phone: string;
  variables?: TemplateVariables;
};

export type RetryCampaignRequest = {
  include_unknown?: boolean;
};

export type RetryCampaignResult = {
  campaign: CampaignListItem;
  requeued: number;
  requeued_by_code: {
    [key: string]: number;
  };
  skipped_by_code: {
    [key: string]: number;
  };
  warning: string | null;
};

export type RevokedSenderToken = {
  phone_number: string;
  revoked: boolean;
};

export type RotatedSenderToken = {
  phone_number: string;
  sender_token: string;
};

export type SendCampaignRequest = {
  sender_number: string;
  template: string;
  variables?: TemplateVariables;
  recipients: (string | RecipientWithVariables)[];
  media_url?: string | null;
  callback_url?: string | null;
  send_at?: string | null;
};

export type SenderPolicy = {
  delay_jitter_seconds: number | null;
  hourly_cap: number | null;
  daily_cap: number | null;
  warmup: number[] | null;
  working_hours: {
    timezone: string;
    start: string;
    end: string;
    days: number[];
  } | null;
  burst: {
    size: number;
    pause_seconds: number;
  } | null;
  health: {
    max_consecutive_failures: number;
    max_not_on_whatsapp_ratio: number;
    window: number;
  } | null;
  updated_at: string;
};

export type SenderPolicyOverride = {
  sender_number: string;
  override: {
    delay_jitter_seconds?: number | null;
    hourly_cap?: number | null;
    daily_cap?: number | null;
    warmup?: number[] | null;
    working_hours?: {
      timezone: string;
      start: string;
      end: string;
      days: number[];
    } | null;
    burst?: {
      size: number;
      pause_seconds: number;
    } | null;
    health?: {
      max_consecutive_failures: number;
      max_not_on_whatsapp_ratio: number;
      window: number;
    } | null;
  };
  updated_at: string;
};

export type SenderPolicyUpdate = {
  delay_jitter_seconds?: number | null;
  hourly_cap?: number | null;
  daily_cap?: number | null;
  warmup?: number[] | null;
  working_hours?: {
    timezone: string;
    start: string;
    end: string;
    days: number[];
  } | null;
  burst?: {
    size: number;
    pause_seconds: number;
  } | null;
  health?: {
    max_consecutive_failures: number;
    max_not_on_whatsapp_ratio: number;
    window: number;
  } | null;
};

export type SendingState = {
  state: 'ACTIVE' | 'WAITING' | 'PAUSED';
  reason: string | null;
  resumes_at: string | null;
  details?: unknown;
};

export type Session = {
  phone_number: string;
  status: 'STARTING' | 'WAITING_FOR_SCAN' | 'SCANNED' | 'CONNECTED' | 'DISCONNECTED' | 'STOPPED' | 'EXPIRED' | 'FAILED' | 'WRONG_ACCOUNT';
  message: string;
  waha_status: 'STOPPED' | 'STARTING' | 'SCAN_QR_CODE' | 'WORKING' | 'FAILED' | null;
  last_active: string | null;
  expires_at: string | null;
  requires_auth: boolean;
  expiry_warning: boolean;
  worker: {
    id: number;
    name: string | null;
    url: string | null;
  } | null;
  waha_session: string;
  connected_at: string | null;
  me: {
    id: string;
    push_name: string | null;
  } | null;
  last_error: string | null;
  qr_expires_at: string | null;
  created_at: string;
  data: {
    [key: string]: unknown;
  } | null;
  sending?: {
    state: 'ACTIVE' | 'WAITING' | 'PAUSED';
    reason: string | null;
    resumes_at: string | null;
    details?: unknown;
  };
};

export type SessionNumbers = {
  count: number;
  numbers: string[];
};

export type SessionPresence = {
  phone_number: string;
  status: 'active in memory' | 'saved in DB' | 'not found';
  session_status: 'STARTING' | 'WAITING_FOR_SCAN' | 'SCANNED' | 'CONNECTED' | 'DISCONNECTED' | 'STOPPED' | 'EXPIRED' | 'FAILED' | 'WRONG_ACCOUNT' | null;
};

export type SessionQr = {
  status: 'CONNECTED' | 'WAITING_FOR_SCAN';
  qr_code?: string;
  expires_at?: string;
  message?: null;
};

export type Suppression = {
  id: number;
  sender_number: string | null;
  recipient: string;
  source: 'OPT_OUT' | 'ADMIN';
  keyword: string | null;
  created_at: string;
};

export type SuppressionCreate = {
  recipient: string;
  sender_number?: string | null;
};

export type SuppressionPage = {
  total: number;
  suppressions: Suppression[];
};

export type TemplateVariables = {
  [key: string]: string | number | boolean;
} | null;

export type UpdateWorkerRequest = {
  url?: string;
  api_key?: string;
  capacity?: number;
  name?: string;
  enabled?: boolean;
};

export type UserDelays = {
  sender_number: string;
  MESSAGE_DELAY: number;
  SENDER_SWITCH_DELAY: number;
  message_delay: number | null;
  sender_switch_delay: number | null;
  known: boolean;
  updated_at: string | null;
};

export type UserDelaysUpdate = {
  message_delay?: number | null;
  sender_switch_delay?: number | null;
};

export type WahaWebhookEvent = {
  id?: string;
  timestamp?: number;
  event: string;
  session?: string;
  metadata?: {
    [key: string]: unknown;
  } | null;
  me?: {
    id: string;
    pushName?: string | null;
    lid?: string | null;
    jid?: string | null;
    [key: string]: unknown;
  } | null;
  payload?: unknown;
  [key: string]: unknown;
};

export type WebhookAck = {
  status: 'success';
};

export type Worker = {
  id: number;
  name: string;
  url: string;
  capacity: number;
  enabled: boolean;
  tier: 'CORE' | 'PLUS' | null;
  engine: string | null;
  version: string | null;
  healthy: boolean;
  is_healthy: boolean;
  last_seen: string | null;
  last_error: string | null;
  degraded_until: string | null;
  breaker_failures: number;
  sessions: number;
  effective_capacity: number;
  created_at: string;
};

export type WorkerCleanup = {
  workers_deleted: number;
  sessions_deleted: number;
  ended_sessions: string[];
};

export interface Paths {
  'POST /api/send': {
    path: never;
    query: never;
    body: SendCampaignRequest;
    response: CampaignCreated;
  };
  'GET /api/status/{campaign_id}': {
    path: { campaign_id: string };
    query: { sender_number?: string; details?: '0' | '1' | 'true' | 'false'; limit?: number; cursor?: string; offset?: number | null; status?: 'PENDING' | 'SENDING' | 'SENT' | 'FAILED' | 'UNKNOWN' | 'CANCELLED' | 'SUPPRESSED' };
    body: never;
    response: CampaignStatus;
  };
  'GET /api/campaigns': {
    path: never;
    query: { sender_number?: string; status?: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'SCHEDULED' | 'PAUSED' | 'CANCELLED'; start_date?: string; end_date?: string; limit?: number; offset?: number | null };
    body: never;
    response: CampaignListItem[];
  };
  'GET /api/admin/campaigns': {
    path: never;
    query: { sender_number?: string; status?: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'SCHEDULED' | 'PAUSED' | 'CANCELLED'; start_date?: string; end_date?: string; limit?: number; offset?: number | null };
    body: never;
    response: AdminCampaigns;
  };
  'POST /api/campaigns/{campaign_id}/pause': {
    path: { campaign_id: string };
    query: { sender_number?: string };
    body: never;
    response: CampaignListItem;
  };
  'POST /api/campaigns/{campaign_id}/resume': {
    path: { campaign_id: string };
    query: { sender_number?: string };
    body: never;
    response: CampaignListItem;
  };
  'POST /api/campaigns/{campaign_id}/cancel': {
    path: { campaign_id: string };
    query: { sender_number?: string };
    body: never;
    response: CampaignListItem;
  };
  'POST /api/campaigns/{campaign_id}/retry': {
    path: { campaign_id: string };
    query: { sender_number?: string };
    body: RetryCampaignRequest;
    response: RetryCampaignResult;
  };
  'GET /api/campaigns/{campaign_id}/events': {
    path: { campaign_id: string };
    query: { sender_number?: string; last_event_id?: string };
    body: never;
    response: string;
  };
  'POST /api/sessions': {
    path: never;
    query: never;
    body: CreateSessionRequest;
    response: OpenedSession;
  };
  'GET /api/sessions': {
    path: never;
    query: never;
    body: never;
    response: Session[];
  };
  'GET /api/sessions/{phone_number}': {
    path: { phone_number: string };
    query: never;
    body: never;
    response: Session;
  };
  'DELETE /api/sessions/{phone_number}': {
    path: { phone_number: string };
    query: never;
    body: never;
    response: DeletedSession;
  };
  'GET /api/sessions/{phone_number}/qr': {
    path: { phone_number: string };
    query: never;
    body: never;
    response: SessionQr;
  };
  'GET /api/sessions/{sender_number}/status': {
    path: { sender_number: string };
    query: never;
    body: never;
    response: SessionPresence;
  };
  'POST /api/admin/workers': {
    path: never;
    query: never;
    body: CreateWorkerRequest;
    response: Worker;
  };
  'GET /api/admin/workers': {
    path: never;
    query: never;
    body: never;
    response: Worker[];
  };
  'DELETE /api/admin/workers/cleanup': {
    path: never;
    query: never;
    body: never;
    response: WorkerCleanup;
  };
  'GET /api/admin/workers/{worker_id}': {
    path: { worker_id: number };
    query: never;
    body: never;
    response: Worker;
  };
  'PATCH /api/admin/workers/{worker_id}': {
    path: { worker_id: number };
    query: never;
    body: UpdateWorkerRequest;
    response: Worker;
  };
  'DELETE /api/admin/workers/{worker_id}': {
    path: { worker_id: number };
    query: { force?: '0' | '1' | 'true' | 'false' };
    body: never;
    response: DeletedWorker;
  };
  'GET /api/admin/delays': {
    path: never;
    query: never;
    body: never;
    response: DelaySettings;
  };
  'POST /api/admin/delays': {
    path: never;
    query: { message_delay?: string; sender_switch_delay?: string };
    body: DelaySettingsUpdate;
    response: DelaySettings;
  };
  'GET /api/admin/user-delays': {
    path: never;
    query: { sender_number?: string };
    body: never;
    response: UserDelays;
  };
  'POST /api/admin/user-delays': {
    path: never;
    query: { sender_number?: string; message_delay?: ('null' | '') | string; sender_switch_delay?: ('null' | '') | string };
    body: UserDelaysUpdate;
    response: UserDelays;
  };
  'GET /api/admin/metrics': {
    path: never;
    query: never;
    body: never;
    response: AdminMetrics;
  };
  'GET /api/admin/metrics/throughput': {
    path: never;
    query: never;
    body: never;
    response: AdminThroughput;
  };
  'GET /api/admin/users': {
    path: never;
    query: never;
    body: never;
    response: AdminUser[];
  };
  'GET /api/admin/sessions': {
    path: never;
    query: never;
    body: never;
    response: AdminSession[];
  };
  'GET /api/admin/session-numbers': {
    path: never;
    query: never;
    body: never;
    response: SessionNumbers;
  };
  'POST /api/admin/sessions/{phone_number}/token': {
    path: { phone_number: string };
    query: never;
    body: never;
    response: RotatedSenderToken;
  };
  'DELETE /api/admin/sessions/{phone_number}/token': {
    path: { phone_number: string };
    query: never;
    body: never;
    response: RevokedSenderToken;
  };
  'GET /api/admin/sender-policy': {
    path: never;
    query: never;
    body: never;
    response: SenderPolicy;
  };
  'PUT /api/admin/sender-policy': {
    path: never;
    query: never;
    body: SenderPolicyUpdate;
    response: SenderPolicy;
  };
  'GET /api/admin/sender-policy/{sender_number}': {
    path: { sender_number: string };
    query: never;
    body: never;
    response: SenderPolicyOverride;
  };
  'PUT /api/admin/sender-policy/{sender_number}': {
    path: { sender_number: string };
    query: never;
    body: SenderPolicyUpdate;
    response: SenderPolicyOverride;
  };
  'DELETE /api/admin/sender-policy/{sender_number}': {
    path: { sender_number: string };
    query: never;
    body: never;
    response: never;
  };
  'POST /api/admin/senders/{sender_number}/resume': {
    path: { sender_number: string };
    query: never;
    body: never;
    response: SendingState;
  };
  'GET /api/admin/suppressions': {
    path: never;
    query: { sender_number?: string; limit?: number; offset?: number | null };
    body: never;
    response: SuppressionPage;
  };
  'POST /api/admin/suppressions': {
    path: never;
    query: never;
    body: SuppressionCreate;
    response: Suppression;
  };
  'DELETE /api/admin/suppressions': {
    path: never;
    query: { recipient?: string; sender_number?: string };
    body: never;
    response: never;
  };
  'GET /api/suppressions': {
    path: never;
    query: { sender_number?: string; limit?: number; offset?: number | null };
    body: never;
    response: SuppressionPage;
  };
  'POST /api/webhooks/waha': {
    path: never;
    query: never;
    body: WahaWebhookEvent;
    response: WebhookAck;
  };
  'POST /api/webhook': {
    path: never;
    query: never;
    body: WahaWebhookEvent;
    response: WebhookAck;
  };
  'GET /healthz': {
    path: never;
    query: never;
    body: never;
    response: Health;
  };
  'GET /readyz': {
    path: never;
    query: never;
    body: never;
    response: Readiness;
  };
  'GET /metrics': {
    path: never;
    query: never;
    body: never;
    response: string;
  };
}
