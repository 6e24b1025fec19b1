import { type Kysely, sql } from 'kysely';

// A message's status changes are recorded once per statement rather than once per row: a batched
// claim or outcome that moves many messages writes their events in one INSERT and notifies each
// campaign once. Same rows as before (`resolved_from_unknown` on a change out of UNKNOWN), in
// message order. Transition tables need a trigger without a column list, so the change of status
// is found by joining the old rows to the new. Forward-only; never import application code here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER messages_status_event ON messages`.execute(db);
  await sql`DROP FUNCTION record_message_event()`.execute(db);
  await sql`
    CREATE FUNCTION record_message_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO campaign_events (campaign_id, message_id, recipient, status, error_code, note)
      SELECT n.campaign_id, n.id, n.recipient, n.status, n.error_code,
             CASE WHEN o.status = 'UNKNOWN' THEN 'resolved_from_unknown' END
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE o.status IS DISTINCT FROM n.status
      ORDER BY n.id;
      PERFORM pg_notify('herald_campaign_events', c.campaign_id::text)
      FROM (SELECT DISTINCT n.campaign_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.status IS DISTINCT FROM n.status) c;
      RETURN NULL;
    END $$
  `.execute(db);
  await sql`
    CREATE TRIGGER messages_status_events AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_message_events()
  `.execute(db);
}
