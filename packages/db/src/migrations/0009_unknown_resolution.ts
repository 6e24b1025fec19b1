import { type Kysely, sql } from 'kysely';

// Forward-only. Never import application code here: a migration must mean the same thing forever.
// Resolving UNKNOWN messages from WAHA's own record: when a message is next looked up, and a
// note on the change-feed event of every status change out of UNKNOWN.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE messages
      -- Not looked up again before this (a lookup in progress, or WAHA could not answer).
      ADD COLUMN resolve_after timestamptz,
      -- How many times WAHA was asked about this UNKNOWN message.
      ADD COLUMN resolve_checks integer NOT NULL DEFAULT 0
  `.execute(db);
  await sql`
    CREATE INDEX messages_unknown_idx ON messages (finished_at)
    WHERE status = 'UNKNOWN'
  `.execute(db);

  await sql`ALTER TABLE campaign_events ADD COLUMN note text`.execute(db);
  // Same as before, plus `resolved_from_unknown` on a change out of UNKNOWN: WAHA's record (or a
  // late answer of the call) settled what the message's history had left open.
  await sql`
    CREATE OR REPLACE FUNCTION record_message_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO campaign_events (campaign_id, message_id, recipient, status, error_code, note)
      VALUES (NEW.campaign_id, NEW.id, NEW.recipient, NEW.status, NEW.error_code,
              CASE WHEN OLD.status = 'UNKNOWN' THEN 'resolved_from_unknown' END);
      PERFORM pg_notify('herald_campaign_events', NEW.campaign_id::text);
      RETURN NULL;
    END $$
  `.execute(db);
}
