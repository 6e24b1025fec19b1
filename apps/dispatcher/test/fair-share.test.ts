import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enqueueSenderTurn } from '@herald/db';
import {
  makeCampaign,
  recipients,
  setDelaySettings,
  waitFor,
  waitForCampaignExact,
} from '@herald/testing';
import { sql } from 'kysely';
import { fairShare } from '../src/fleet.ts';
import { createHarness, type Harness } from './harness.ts';

const SENDERS = 40;
const PER_SENDER = 15;

describe('two dispatchers and forty senders', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    // Paced sends: a dispatcher's part of the messages follows its part of the senders.
    await setDelaySettings(h.db, { messageDelay: 0.2, senderSwitchDelay: 0 });
  });
  after(() => h.close());

  it('each serves about half the senders, never more than its fair share at once', async () => {
    const emulator = await h.emulator({ tier: 'PLUS' });
    const senders = Array.from({ length: SENDERS }, (_, i) => String(21620005000 + i));
    for (const sender of senders) await h.connectSender(emulator, sender);
    // Each could take every sender alone (CONCURRENCY 50 > 40).
    const first = await h.dispatcher({ CONCURRENCY: '50' });
    const second = await h.dispatcher({ CONCURRENCY: '50' });
    // Both have counted the fleet since both joined it.
    await waitFor(
      async () => {
        const row = await sql<{ live: number; counted: boolean }>`
          SELECT count(*)::int AS live, min(heartbeat_at) > max(started_at) AS counted
          FROM dispatchers WHERE expires_at > now()`.execute(h.db);
        return row.rows[0]?.live === 2 && row.rows[0].counted;
      },
      { what: 'both dispatchers to see each other' },
    );

    const campaigns = [];
    for (const [index, sender] of senders.entries()) {
      const to = recipients(21671000000 + index * 100, PER_SENDER);
      campaigns.push(await makeCampaign(h.db, { sender, recipients: to, body: 'Hi' }));
    }
    // All turns at once (one transaction), as a busy fleet sees them: the first fetch could take
    // every one.
    await h.db.transaction().execute(async (trx) => {
      for (const sender of senders) await enqueueSenderTurn(h.boss, sender, { db: trx });
    });
    const share = fairShare({ activeSenders: SENDERS, liveDispatchers: 2 });
    const mostHeld = new Map<string, number>([
      [first.id, 0],
      [second.id, 0],
    ]);
    let done = false;
    const sampling = (async () => {
      while (!done) {
        const held = await sql<{ owner: string; n: number }>`
          SELECT split_part(lease_owner, ':', 1) AS owner, count(*)::int AS n FROM senders
          WHERE lease_owner IS NOT NULL AND lease_expires_at > now() GROUP BY 1`.execute(h.db);
        for (const { owner, n } of held.rows) {
          mostHeld.set(owner, Math.max(mostHeld.get(owner) ?? 0, n));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    // Exact: a call the machine's load made UNKNOWN (a stalled heartbeat) is settled from WAHA's record.
    for (const campaign of campaigns) await waitForCampaignExact(h.db, campaign.id, 120_000);
    done = true;
    await sampling;

    const sent = await sql<{ owner: string; n: number }>`
      SELECT split_part(claimed_by, ':', 1) AS owner, count(*)::int AS n FROM messages
      WHERE status = 'SENT' GROUP BY 1`.execute(h.db);
    const byOwner = new Map(sent.rows.map((r) => [r.owner, r.n]));
    const total = SENDERS * PER_SENDER;
    assert.equal((byOwner.get(first.id) ?? 0) + (byOwner.get(second.id) ?? 0), total);
    for (const id of [first.id, second.id]) {
      const part = (byOwner.get(id) ?? 0) / total;
      assert.ok(part > 0.3 && part < 0.7, `${id} sent ${Math.round(part * 100)}% of the messages`);
      assert.ok(
        (mostHeld.get(id) ?? 0) <= share,
        `${id} held ${mostHeld.get(id)} senders at once (share ${share})`,
      );
    }
    assert.equal(emulator.messages().length, total, 'nothing was sent twice');
  });
});
