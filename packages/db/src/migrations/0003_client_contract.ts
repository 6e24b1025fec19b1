import { type Kysely, sql } from 'kysely';

// Forward-only. Never import application code here: a migration must mean the same thing forever.
// The client contract: idempotent submits, a change feed of campaigns (live progress, webhooks)
// and per-campaign webhook targets.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE idempotency_keys (
      sender_number text NOT NULL,
      key text NOT NULL,
      -- SHA-256 of the request as parsed: the same key with another body is refused.
      request_hash text NOT NULL,
      campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      response_status smallint NOT NULL,
      -- What the first answer said that the campaign row does not (the de-duplicated numbers).
      duplicate_recipients jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sender_number, key)
    )
  `.execute(db);
  await sql`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`.execute(db);

  await sql`ALTER TABLE campaigns ADD COLUMN callback_url text`.execute(db);

  // Every status change of a message or a campaign, written by triggers in the transaction that
  // makes it, whichever code path that is. Readers order events by (xid, seq) and read only
  // below the oldest transaction of this database still running (FEED_HORIZON): sequence values
  // commit out of order, but nothing below that horizon can still add an event, so a cursor never
  // skips one.
  await sql`
    CREATE TABLE campaign_events (
      seq bigint GENERATED ALWAYS AS IDENTITY,
      xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
      campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      -- Null for a change of the campaign's own status.
      message_id bigint,
      recipient text,
      status text NOT NULL,
      error_code text,
      occurred_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (xid, seq)
    )
  `.execute(db);
  await sql`CREATE INDEX campaign_events_campaign_idx ON campaign_events (campaign_id, xid, seq)`.execute(
    db,
  );
  await sql`
    CREATE FUNCTION record_message_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO campaign_events (campaign_id, message_id, recipient, status, error_code)
      VALUES (NEW.campaign_id, NEW.id, NEW.recipient, NEW.status, NEW.error_code);
      -- A wake-up only: listeners read the table. Postgres folds repeats within a transaction.
      PERFORM pg_notify('herald_campaign_events', NEW.campaign_id::text);
      RETURN NULL;
    END $$
  `.execute(db);
  await sql`
    CREATE TRIGGER messages_status_event AFTER UPDATE OF status ON messages
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION record_message_event()
  `.execute(db);
  await sql`
    CREATE FUNCTION record_campaign_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO campaign_events (campaign_id, status) VALUES (NEW.id, NEW.status);
      PERFORM pg_notify('herald_campaign_events', NEW.id::text);
      RETURN NULL;
    END $$
  `.execute(db);
  await sql`
    CREATE TRIGGER campaigns_status_event AFTER UPDATE OF status ON campaigns
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION record_campaign_event()
  `.execute(db);

  // How far the webhook outbox has been turned into delivery jobs (one row, locked by the drain).
  await sql`
    CREATE TABLE webhook_outbox_cursor (
      id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
      xid xid8 NOT NULL DEFAULT '0',
      seq bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`INSERT INTO webhook_outbox_cursor DEFAULT VALUES`.execute(db);
}
