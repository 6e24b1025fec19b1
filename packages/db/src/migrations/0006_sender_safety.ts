import { type Kysely, sql } from 'kysely';

// Sender safety: the policy (global and per-sender overrides), what the claim needs to enforce it
// (a log of hand-offs to WAHA with their results, the burst run, the jittered gap), pauses for
// health, and suppressions (opt-outs). Forward-only; never import application code here.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The global policy: one row. A fresh install starts with the conservative defaults (kept in
  // the migration rather than imported, so it means the same thing forever).
  await sql`
    CREATE TABLE sender_policy (
      id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
      policy jsonb NOT NULL CHECK (jsonb_typeof(policy) = 'object'),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`
    INSERT INTO sender_policy (id, policy) VALUES (1, '{
      "delay_jitter_seconds": 30, "hourly_cap": 60, "daily_cap": 500,
      "warmup": [20, 40, 80, 150, 300], "working_hours": null,
      "burst": {"size": 20, "pause_seconds": 300},
      "health": {"max_consecutive_failures": 5, "max_not_on_whatsapp_ratio": 0.3, "window": 50}
    }')
  `.execute(db);
  // A field present in an override wins over the global one; a missing field inherits it.
  await sql`
    CREATE TABLE sender_policy_overrides (
      sender_number text PRIMARY KEY REFERENCES senders (phone_number),
      policy jsonb NOT NULL CHECK (jsonb_typeof(policy) = 'object'),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);

  await sql`
    ALTER TABLE senders
      ADD COLUMN first_connected_at timestamptz,
      -- Sends in the current run, for burst pauses.
      ADD COLUMN burst_run integer NOT NULL DEFAULT 0,
      -- The random extra gap after the last send, drawn once when its outcome was recorded.
      ADD COLUMN jitter_seconds numeric NOT NULL DEFAULT 0 CHECK (jitter_seconds >= 0),
      -- Why next_send_at is in the future when the policy holds the sender (a cap, working hours,
      -- a burst pause): a policy change clears such holds so it applies from the next claim.
      ADD COLUMN held_reason text,
      -- A pause only an admin lifts (the health rule tripped, or WhatsApp logged the number out).
      ADD COLUMN paused_reason text CHECK (paused_reason IN ('HEALTH')),
      ADD COLUMN paused_details jsonb,
      ADD COLUMN paused_at timestamptz,
      -- The health rule reads only outcomes after the last resume.
      ADD COLUMN health_reset_at timestamptz
  `.execute(db);

  // Every hand-off of a message to WAHA, as the claim commits it: caps count these, and the
  // health rule reads their results (null while the call is under way).
  await sql`
    CREATE TABLE sender_sends (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sender_number text NOT NULL,
      message_id bigint NOT NULL,
      sent_at timestamptz NOT NULL DEFAULT now(),
      result text CHECK (result IN ('OK', 'FAILED', 'NOT_ON_WHATSAPP'))
    )
  `.execute(db);
  await sql`CREATE INDEX sender_sends_sender_idx ON sender_sends (sender_number, sent_at DESC)`.execute(
    db,
  );
  await sql`CREATE INDEX sender_sends_message_idx ON sender_sends (message_id)`.execute(db);

  // Recipients who opted out: of one sender, or of every sender (sender_number NULL).
  await sql`
    CREATE TABLE suppressions (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sender_number text,
      recipient text NOT NULL CHECK (recipient ~ '^[0-9]+$'),
      source text NOT NULL CHECK (source IN ('OPT_OUT', 'ADMIN')),
      keyword text,
      created_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX suppressions_scope_idx ON suppressions (COALESCE(sender_number, ''), recipient)`.execute(
    db,
  );
  await sql`CREATE INDEX suppressions_recipient_idx ON suppressions (recipient)`.execute(db);

  // SUPPRESSED: a queued message whose recipient opted out before it was sent; terminal.
  await sql`ALTER TABLE messages DROP CONSTRAINT messages_status_check`.execute(db);
  await sql`
    ALTER TABLE messages ADD CONSTRAINT messages_status_check
      CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'UNKNOWN', 'CANCELLED', 'SUPPRESSED'))
  `.execute(db);
  await sql`
    ALTER TABLE campaigns
      ADD COLUMN suppressed_messages integer NOT NULL DEFAULT 0 CHECK (suppressed_messages >= 0),
      DROP CONSTRAINT campaigns_check,
      ADD CONSTRAINT campaigns_check CHECK (pending_messages + sending_messages + sent_messages
        + failed_messages + unknown_messages + cancelled_messages + suppressed_messages
        = total_messages)
  `.execute(db);
}
