import { type Kysely, sql } from 'kysely';

// Forward-only. Never import application code here: a migration must mean the same thing forever.
export async function up(db: Kysely<unknown>): Promise<void> {
  // A campaign's media, fetched once by the gateway through the SSRF guard and committed with
  // the campaign: workers are handed these bytes, never the user's URL.
  await sql`
    CREATE TABLE campaign_media (
      campaign_id bigint PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
      mimetype text NOT NULL,
      filename text NOT NULL,
      size_bytes integer NOT NULL CHECK (size_bytes > 0),
      data bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);

  // Ids of the WAHA events already accepted, kept as long as a copy could still be fresh: a
  // signed event posted twice is applied once.
  await sql`
    CREATE TABLE waha_webhook_events (
      event_id text PRIMARY KEY,
      received_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE INDEX waha_webhook_events_received_idx ON waha_webhook_events (received_at)`.execute(
    db,
  );
}
