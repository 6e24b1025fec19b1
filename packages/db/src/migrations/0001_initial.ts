import { type Kysely, sql } from 'kysely';

// Forward-only. Never import application code here: a migration must mean the same thing forever.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE workers (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      name text NOT NULL,
      url text NOT NULL UNIQUE,
      api_key text NOT NULL,
      capacity integer NOT NULL DEFAULT 10 CHECK (capacity > 0),
      enabled boolean NOT NULL DEFAULT true,
      tier text CHECK (tier IN ('CORE', 'PLUS')),
      engine text,
      version text,
      healthy boolean NOT NULL DEFAULT false,
      last_seen_at timestamptz,
      last_error text,
      consecutive_failures integer NOT NULL DEFAULT 0,
      next_probe_at timestamptz NOT NULL DEFAULT now(),
      -- Sender-switch pacing on this worker: who sent last, when that send finished, and who is
      -- sending right now (with the lease that bounds it).
      last_sender_number text,
      last_send_done_at timestamptz,
      inflight_sender_number text,
      inflight_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE INDEX workers_next_probe_idx ON workers (next_probe_at)`.execute(db);

  await sql`
    CREATE TABLE senders (
      phone_number text PRIMARY KEY CHECK (phone_number ~ '^[0-9]+$'),
      -- Per-sender overrides of the global delays (seconds); null means "use the global value".
      message_delay numeric CHECK (message_delay >= 0),
      sender_switch_delay numeric CHECK (sender_switch_delay >= 0),
      -- Pacing and exclusivity live here so that every dispatcher agrees on them.
      next_send_at timestamptz NOT NULL DEFAULT now(),
      lease_owner text,
      lease_expires_at timestamptz,
      last_sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE INDEX senders_lease_idx ON senders (lease_expires_at) WHERE lease_owner IS NOT NULL`.execute(
    db,
  );

  await sql`
    CREATE TABLE delay_settings (
      id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
      message_delay numeric NOT NULL CHECK (message_delay >= 0),
      sender_switch_delay numeric NOT NULL CHECK (sender_switch_delay >= 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);

  await sql`
    CREATE TABLE sessions (
      phone_number text PRIMARY KEY REFERENCES senders (phone_number),
      worker_id bigint REFERENCES workers (id) ON DELETE SET NULL,
      waha_session text NOT NULL,
      status text NOT NULL,
      waha_status text,
      me_id text,
      push_name text,
      qr_expires_at timestamptz,
      connected_at timestamptz,
      -- WhatsApp's two inactivity clocks: the phone itself (14 days) and the linked device (30 days).
      phone_active_at timestamptz,
      device_active_at timestamptz,
      keepalive_at timestamptz,
      last_error text,
      status_changed_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX sessions_worker_name_idx ON sessions (worker_id, waha_session) WHERE worker_id IS NOT NULL`.execute(
    db,
  );

  await sql`
    CREATE TABLE campaigns (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sender_number text NOT NULL REFERENCES senders (phone_number),
      template text NOT NULL,
      variables jsonb NOT NULL DEFAULT '{}',
      media_url text,
      status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'COMPLETED_WITH_ERRORS')),
      -- Counters move only by relative updates in the same transaction as the message rows they
      -- count, so they always add up to total_messages.
      total_messages integer NOT NULL CHECK (total_messages > 0),
      pending_messages integer NOT NULL CHECK (pending_messages >= 0),
      sending_messages integer NOT NULL DEFAULT 0 CHECK (sending_messages >= 0),
      sent_messages integer NOT NULL DEFAULT 0 CHECK (sent_messages >= 0),
      failed_messages integer NOT NULL DEFAULT 0 CHECK (failed_messages >= 0),
      unknown_messages integer NOT NULL DEFAULT 0 CHECK (unknown_messages >= 0),
      duplicates_removed integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      completed_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (pending_messages + sending_messages + sent_messages + failed_messages + unknown_messages = total_messages)
    )
  `.execute(db);
  await sql`CREATE INDEX campaigns_sender_created_idx ON campaigns (sender_number, created_at DESC)`.execute(
    db,
  );
  await sql`CREATE INDEX campaigns_created_idx ON campaigns (created_at DESC)`.execute(db);
  await sql`CREATE INDEX campaigns_status_idx ON campaigns (status)`.execute(db);

  await sql`
    CREATE TABLE messages (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      sender_number text NOT NULL,
      recipient text NOT NULL,
      body text NOT NULL,
      status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'UNKNOWN')),
      attempts integer NOT NULL DEFAULT 0,
      error_code text,
      error text,
      waha_message_id text,
      ack smallint,
      claimed_by text,
      sending_at timestamptz,
      sent_at timestamptz,
      delivered_at timestamptz,
      read_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  // The dispatcher's hot path: a sender's next message, oldest campaign first.
  await sql`CREATE INDEX messages_pending_idx ON messages (sender_number, id) WHERE status = 'PENDING'`.execute(
    db,
  );
  await sql`CREATE INDEX messages_sending_idx ON messages (sender_number) WHERE status = 'SENDING'`.execute(
    db,
  );
  await sql`CREATE INDEX messages_campaign_idx ON messages (campaign_id, id)`.execute(db);
  await sql`CREATE INDEX messages_waha_id_idx ON messages (waha_message_id) WHERE waha_message_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX messages_sent_at_idx ON messages (sent_at) WHERE sent_at IS NOT NULL`.execute(
    db,
  );

  // Herald's own generated secrets: the admin key's hash (the key itself is shown once) and the
  // HMAC key WAHA signs webhooks with.
  await sql`
    CREATE TABLE secrets (
      name text PRIMARY KEY,
      value text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
}
