import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { listCampaigns } from '../src/queries/campaigns.ts';
import {
  createTestDatabase,
  makeCampaign,
  makeConnectedSender,
  type TestDatabase,
} from '../src/testing/index.ts';

let t: TestDatabase;
const A = '21620700001';
const B = '21620700002';
before(async () => {
  t = await createTestDatabase();
  await makeConnectedSender(t.db, A);
  await makeConnectedSender(t.db, B);
});
after(() => t.drop());

const counted = async (sender?: string) => {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM campaigns
    WHERE ${sender === undefined ? sql`true` : sql`sender_number = ${sender}`}`.execute(t.db);
  return rows[0]?.n;
};
const totalOf = async (filters: { sender_number?: string; status?: 'PENDING' }) =>
  (await listCampaigns(t.db, filters, { limit: 1, offset: 0 })).total;

describe("campaign lists' totals", () => {
  it('equal a count of the rows for a sender and for everyone, through inserts and deletes', async () => {
    for (let i = 0; i < 3; i++)
      await makeCampaign(t.db, { sender: A, recipients: ['21698000001'], body: 'a' });
    await makeCampaign(t.db, { sender: B, recipients: ['21698000001'], body: 'b' });
    // A bulk insert of several campaigns in one statement counts each.
    await sql`
      INSERT INTO campaigns (sender_number, template, total_messages, pending_messages)
      SELECT s, 'bulk', 1, 1 FROM unnest(ARRAY[${A}, ${B}, ${B}]::text[]) AS s`.execute(t.db);
    assert.deepEqual([await totalOf({ sender_number: A }), await counted(A)], [4, 4]);
    assert.deepEqual([await totalOf({ sender_number: B }), await counted(B)], [3, 3]);
    assert.deepEqual([await totalOf({}), await counted()], [7, 7]);

    await sql`DELETE FROM campaigns WHERE template = 'bulk'`.execute(t.db);
    assert.equal(await totalOf({ sender_number: B }), await counted(B));
    assert.equal(await totalOf({}), 4);
  });

  it('still counts the rows when a filter other than the sender narrows the list', async () => {
    const pending = await totalOf({ sender_number: A, status: 'PENDING' });
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM campaigns
      WHERE sender_number = ${A} AND status = 'PENDING'`.execute(t.db);
    assert.equal(pending, rows[0]?.n);
  });
});
