import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createPool } from '../src/client.ts';
import {
  type CampaignEvent,
  deleteOldCampaignEvents,
  type EventCursor,
  FEED_START,
  readCampaignEvents,
  readFeedSnapshot,
} from '../src/queries/campaign-events.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { senderWithCampaign } from './support.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.drop());

/** What a stream would read now from `cursor`: the events below the horizon. */
async function readFrom(campaignId: number, cursor: EventCursor): Promise<CampaignEvent[]> {
  const snapshot = await readFeedSnapshot(t.db, campaignId);
  return readCampaignEvents(t.db, campaignId, cursor, snapshot.horizon, 1000);
}

describe('the campaign change feed', () => {
  it('records each status change of a message and of its campaign, by trigger', async () => {
    const { campaign } = await senderWithCampaign(t.db, 1);
    await sql`UPDATE messages SET status = 'SENDING' WHERE campaign_id = ${campaign.id}`.execute(
      t.db,
    );
    await sql`UPDATE messages SET error = 'same status' WHERE campaign_id = ${campaign.id}`.execute(
      t.db,
    );
    await sql`UPDATE campaigns SET status = 'IN_PROGRESS' WHERE id = ${campaign.id}`.execute(t.db);
    const events = await readFrom(campaign.id, FEED_START);
    assert.deepEqual(
      events.map((e) => [e.message_id, e.status]),
      [
        [campaign.messageIds[0], 'SENDING'],
        [null, 'IN_PROGRESS'],
      ],
    );
  });

  it('never skips an event whose transaction commits after a later one', async () => {
    const { campaign } = await senderWithCampaign(t.db, 2);
    const [first, second] = campaign.messageIds;
    const pool = createPool({ connectionString: t.url, max: 2 });
    const slow = await pool.connect();
    const fast = await pool.connect();
    try {
      // The slow transaction writes its event first (lower seq), then stays open.
      await slow.query('BEGIN');
      await slow.query(`UPDATE messages SET status = 'SENDING' WHERE id = $1`, [first]);
      await fast.query(`UPDATE messages SET status = 'SENDING' WHERE id = $1`, [second]);
      // The fast one committed, but a reader must not move past the open one's position.
      const early = await readFrom(campaign.id, FEED_START);
      assert.deepEqual(early, [], 'nothing is final while an older transaction is open');
      const snapshot = await readFeedSnapshot(t.db, campaign.id);
      assert.equal(snapshot.eventsAboveHorizon, true, 'the reader knows to look again');
      await slow.query('COMMIT');
      const all = await readFrom(campaign.id, FEED_START);
      assert.deepEqual(
        all.map((e) => e.message_id),
        [first, second],
      );
      const last = all.at(-1) as CampaignEvent;
      assert.deepEqual(await readFrom(campaign.id, last.cursor), [], 'nothing after the last');
      assert.deepEqual(
        (await readFrom(campaign.id, (all[0] as CampaignEvent).cursor)).map((e) => e.message_id),
        [second],
        'a cursor resumes right after its event',
      );
    } finally {
      slow.release();
      fast.release();
      await pool.end();
    }
  });

  it('forgets events older than the retention, and only those', async () => {
    const { campaign } = await senderWithCampaign(t.db, 2);
    await sql`UPDATE messages SET status = 'SENDING' WHERE campaign_id = ${campaign.id}`.execute(
      t.db,
    );
    await sql`UPDATE campaign_events SET occurred_at = now() - interval '8 days'
              WHERE message_id = ${campaign.messageIds[0] as number}`.execute(t.db);
    assert.equal(await deleteOldCampaignEvents(t.db, 7 * 86_400, 1000), 1);
    const left = await readFrom(campaign.id, FEED_START);
    assert.deepEqual(
      left.map((e) => e.message_id),
      [campaign.messageIds[1]],
    );
  });
});
