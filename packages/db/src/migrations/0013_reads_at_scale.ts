import { type Kysely, sql } from 'kysely';

// Reads at scale. Campaign lists are ordered by (created_at, id): with id in the indexes a page is
// read in index order, with no sort of the rows that share a created_at.
//
// Each worker's slot-holding sessions, counted as they change, so that placement ranks 10,000
// workers through an index rather than counting and sorting them all. Sessions do not write the
// worker's row (recordOutcome locks it before a session, observations the other way round: a
// deadlock); a trigger appends each change to `worker_session_changes`, and placement, holding
// its advisory lock, folds them into `workers` (packages/db/src/queries/worker-loads.ts).
// Two counts, because whether a paired STOPPED session holds a slot depends on the worker's tier.
// The ended statuses are those of ENDED_SESSION_STATUSES (packages/domain/src/statuses.ts),
// held equal by packages/db/test/worker-loads.test.ts. Forward-only; never import app code here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX campaigns_created_idx`.execute(db);
  await sql`CREATE INDEX campaigns_created_idx ON campaigns (created_at DESC, id DESC)`.execute(db);
  await sql`DROP INDEX campaigns_sender_created_idx`.execute(db);
  await sql`
    CREATE INDEX campaigns_sender_created_idx ON campaigns (sender_number, created_at DESC, id DESC)
  `.execute(db);
  await sql`
    ALTER TABLE workers
      ADD COLUMN live_sessions integer NOT NULL DEFAULT 0,
      ADD COLUMN paired_stopped_sessions integer NOT NULL DEFAULT 0
  `.execute(db);
  await sql`
    CREATE TABLE worker_session_changes (
      worker_id bigint NOT NULL,
      live integer NOT NULL,
      paired_stopped integer NOT NULL
    )
  `.execute(db);
  await sql`CREATE INDEX worker_session_changes_worker_idx ON worker_session_changes (worker_id)`.execute(
    db,
  );
  await sql`
    UPDATE workers w SET live_sessions = c.live, paired_stopped_sessions = c.paired_stopped
    FROM (
      SELECT worker_id,
        count(*) FILTER (WHERE status NOT IN ('STOPPED', 'EXPIRED', 'FAILED', 'WRONG_ACCOUNT')) AS live,
        count(*) FILTER (WHERE status = 'STOPPED' AND connected_at IS NOT NULL) AS paired_stopped
      FROM sessions WHERE worker_id IS NOT NULL GROUP BY worker_id
    ) c
    WHERE w.id = c.worker_id
  `.execute(db);
  await sql`
    CREATE FUNCTION record_worker_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      old_live integer := 0; old_paired integer := 0; new_live integer := 0; new_paired integer := 0;
    BEGIN
      IF TG_OP <> 'INSERT' AND OLD.worker_id IS NOT NULL THEN
        old_live := (OLD.status NOT IN ('STOPPED', 'EXPIRED', 'FAILED', 'WRONG_ACCOUNT'))::integer;
        old_paired := (OLD.status = 'STOPPED' AND OLD.connected_at IS NOT NULL)::integer;
      END IF;
      IF TG_OP <> 'DELETE' AND NEW.worker_id IS NOT NULL THEN
        new_live := (NEW.status NOT IN ('STOPPED', 'EXPIRED', 'FAILED', 'WRONG_ACCOUNT'))::integer;
        new_paired := (NEW.status = 'STOPPED' AND NEW.connected_at IS NOT NULL)::integer;
      END IF;
      IF TG_OP = 'UPDATE' AND OLD.worker_id IS NOT DISTINCT FROM NEW.worker_id THEN
        IF new_live <> old_live OR new_paired <> old_paired THEN
          INSERT INTO worker_session_changes VALUES (NEW.worker_id, new_live - old_live, new_paired - old_paired);
        END IF;
        RETURN NULL;
      END IF;
      IF old_live + old_paired > 0 THEN
        INSERT INTO worker_session_changes VALUES (OLD.worker_id, -old_live, -old_paired);
      END IF;
      IF new_live + new_paired > 0 THEN
        INSERT INTO worker_session_changes VALUES (NEW.worker_id, new_live, new_paired);
      END IF;
      RETURN NULL;
    END
    $$
  `.execute(db);
  await sql`
    CREATE TRIGGER sessions_worker_load AFTER INSERT OR DELETE OR UPDATE OF worker_id, status, connected_at
    ON sessions FOR EACH ROW EXECUTE FUNCTION record_worker_session_change()
  `.execute(db);
  // The ranking's order within one capacity (Plus) or tier (Core): fewest sessions, then lowest id.
  // The predicates are workerUsable's (packages/db/src/queries/send-readiness.ts).
  await sql`
    CREATE INDEX workers_plus_load_idx ON workers (capacity, live_sessions, id)
    WHERE enabled AND healthy AND tier IS DISTINCT FROM 'CORE'
  `.execute(db);
  await sql`
    CREATE INDEX workers_core_load_idx ON workers ((live_sessions + paired_stopped_sessions), id)
    WHERE enabled AND healthy AND tier = 'CORE'
  `.execute(db);
}
