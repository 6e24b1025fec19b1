import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { claimMessages } from '../src/queries/dispatch.ts';
import { createTestDatabase, setDelaySettings, type TestDatabase } from '../src/testing/index.ts';
import { counters, lapseLease, messageRow, senderWithCampaign, takeLease } from './support.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
  await setDelaySettings(t.db, { messageDelay: 0, senderSwitchDelay: 0 });
});
after(() => t.drop());

describe('a batched claim', () => {
  it('decides every sender as alone and writes the claims of all in one transaction', async () => {
    const a = await senderWithCampaign(t.db, 2);
    const b = await senderWithCampaign(t.db, 2);
    const lapsed = await senderWithCampaign(t.db, 2);
    const waiting = await senderWithCampaign(t.db, 2);
    const leases = await Promise.all([a, b, lapsed, waiting].map((s) => takeLease(t.db, s.phone)));
    await lapseLease(t.db, lapsed.phone);
    // This one sent a moment ago and has a delay of a minute of its own.
    await sql`UPDATE senders SET message_delay = 60, last_sent_at = now()
              WHERE phone_number = ${waiting.phone}`.execute(t.db);

    const results = await t.db.transaction().execute((trx) => claimMessages(trx, leases));
    assert.deepEqual(
      results.map((r) => r.kind),
      ['claimed', 'claimed', 'lost', 'wait'],
    );
    const claimedIds = results.flatMap((r) => (r.kind === 'claimed' ? [r.message.id] : []));
    assert.deepEqual(claimedIds, [a.campaign.messageIds[0], b.campaign.messageIds[0]]);
    const rows = await Promise.all(claimedIds.map((id) => messageRow(t.db, id)));
    assert.deepEqual(
      rows.map((r) => [r.status, r.claimed_by]),
      [
        ['SENDING', leases[0]?.owner],
        ['SENDING', leases[1]?.owner],
      ],
    );
    // One transaction: one `now()`.
    assert.equal(rows[0]?.sending_at?.getTime(), rows[1]?.sending_at?.getTime());
    for (const s of [a, b]) {
      assert.deepEqual(await counters(t.db, s.campaign.id), {
        pending: 1,
        sending: 1,
        sent: 0,
        failed: 0,
        unknown: 0,
      });
    }
    for (const s of [lapsed, waiting]) {
      assert.equal((await counters(t.db, s.campaign.id)).sending, 0);
    }
    const handedOff = await t.db
      .selectFrom('sender_sends')
      .select('message_id')
      .where('message_id', 'in', claimedIds)
      .execute();
    assert.equal(handedOff.length, 2);
    // The change feed has one event per message, written by one statement.
    const events = await t.db
      .selectFrom('campaign_events')
      .select(['message_id', 'status'])
      .where('message_id', 'in', claimedIds)
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      events.map((e) => [e.message_id, e.status]),
      claimedIds.map((id) => [id, 'SENDING']),
    );
  });
});
