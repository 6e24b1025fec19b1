import { type Kysely, sql } from 'kysely';

// The rows a claim and an outcome write on every message can be updated in place (HOT: no new
// index entries) when no indexed column changes and the page has room:
// - a campaign's claimable index no longer depends on its counters, only on its status (the claim
//   still asks for `pending_messages > 0`, from the few rows of the sender's campaigns);
// - a sender's lease is found by its owner, so renewing it (the heartbeat) changes no index key;
//   the recovery sweep reads the leased senders, as many as the dispatchers hold;
// - both tables leave a fifth of each new page free for the versions of its rows.
// Forward-only; never import application code here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX campaigns_claimable_idx`.execute(db);
  await sql`CREATE INDEX campaigns_claimable_idx ON campaigns (sender_number, id)
            WHERE status IN ('PENDING', 'IN_PROGRESS')`.execute(db);
  await sql`DROP INDEX senders_lease_idx`.execute(db);
  await sql`CREATE INDEX senders_lease_owner_idx ON senders (lease_owner)
            WHERE lease_owner IS NOT NULL`.execute(db);
  await sql`ALTER TABLE campaigns SET (fillfactor = 80)`.execute(db);
  await sql`ALTER TABLE senders SET (fillfactor = 80)`.execute(db);
}
