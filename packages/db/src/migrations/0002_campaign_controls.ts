import { type Kysely, sql } from 'kysely';

// Campaign controls: pause, resume, cancel, retry and scheduled starts. Forward-only; never import
// application code here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE campaigns
      ADD COLUMN cancelled_messages integer NOT NULL DEFAULT 0 CHECK (cancelled_messages >= 0),
      -- When a SCHEDULED campaign starts; null when it was sent straight away.
      ADD COLUMN send_at timestamptz,
      DROP CONSTRAINT IF EXISTS campaigns_status_check,
      ADD CONSTRAINT campaigns_status_check CHECK (status IN ('PENDING', 'IN_PROGRESS',
        'COMPLETED', 'COMPLETED_WITH_ERRORS', 'SCHEDULED', 'PAUSED', 'CANCELLED')),
      DROP CONSTRAINT IF EXISTS campaigns_check,
      ADD CONSTRAINT campaigns_check CHECK (pending_messages + sending_messages + sent_messages
        + failed_messages + unknown_messages + cancelled_messages = total_messages)
  `.execute(db);
  await sql`
    ALTER TABLE messages
      -- The attempts a message had used when a retry re-queued it: MAX_ATTEMPTS counts from here.
      ADD COLUMN attempts_before_retry integer NOT NULL DEFAULT 0,
      DROP CONSTRAINT IF EXISTS messages_status_check,
      ADD CONSTRAINT messages_status_check CHECK (status IN ('PENDING', 'SENDING', 'SENT',
        'FAILED', 'UNKNOWN', 'CANCELLED'))
  `.execute(db);
  // The claim: a sender's oldest claimable campaign with messages left, then its oldest message.
  await sql`CREATE INDEX campaigns_claimable_idx ON campaigns (sender_number, id)
    WHERE pending_messages > 0 AND status IN ('PENDING', 'IN_PROGRESS')`.execute(db);
  await sql`CREATE INDEX messages_campaign_pending_idx ON messages (campaign_id, id)
    WHERE status = 'PENDING'`.execute(db);
  await sql`CREATE INDEX campaigns_scheduled_idx ON campaigns (send_at)
    WHERE status = 'SCHEDULED'`.execute(db);
}
