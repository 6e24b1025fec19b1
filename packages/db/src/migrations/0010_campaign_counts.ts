import { type Kysely, sql } from 'kysely';

// How many campaigns each sender has, kept by statement-level triggers, so the unfiltered lists
// (a sender's, everyone's) answer their total without counting 100,000 rows per page.
// Forward-only; never import application code here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE senders ADD COLUMN campaign_count bigint NOT NULL DEFAULT 0`.execute(db);
  await sql`
    UPDATE senders s SET campaign_count = c.n
    FROM (SELECT sender_number, count(*) AS n FROM campaigns GROUP BY sender_number) c
    WHERE s.phone_number = c.sender_number
  `.execute(db);
  // The submit already holds its sender's row lock when it inserts: the update adds no wait.
  await sql`
    CREATE FUNCTION count_sender_campaigns() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        UPDATE senders s SET campaign_count = s.campaign_count + d.n
        FROM (SELECT sender_number, count(*) AS n FROM inserted GROUP BY sender_number) d
        WHERE s.phone_number = d.sender_number;
      ELSE
        UPDATE senders s SET campaign_count = s.campaign_count - d.n
        FROM (SELECT sender_number, count(*) AS n FROM deleted GROUP BY sender_number) d
        WHERE s.phone_number = d.sender_number;
      END IF;
      RETURN NULL;
    END
    $$
  `.execute(db);
  await sql`
    CREATE TRIGGER campaigns_count_insert AFTER INSERT ON campaigns
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION count_sender_campaigns()
  `.execute(db);
  await sql`
    CREATE TRIGGER campaigns_count_delete AFTER DELETE ON campaigns
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION count_sender_campaigns()
  `.execute(db);
}
