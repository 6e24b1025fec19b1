import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeCampaign, makeConnectedSender, settleMessages } from '@herald/testing';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

const SENDER = '21620333333';
const COUNT = 25;

let gw: TestGateway;
let campaign: { id: number; messageIds: number[] };

before(async () => {
  gw = await startTestGateway();
  await makeConnectedSender(gw.db, SENDER);
  const recipients = Array.from({ length: COUNT }, (_, i) => String(21698100000 + i));
  campaign = await makeCampaign(gw.db, { sender: SENDER, recipients, body: (r) => `to ${r}` });
});
after(() => gw.close());

const details = async (query: string) => {
  const res = await call(
    'GET',
    `${gw.url}/api/status/${campaign.id}?sender_number=${SENDER}&details=true${query}`,
  );
  return res;
};
const recipientsOf = (body: { messages: { recipient: string }[] }) =>
  body.messages.map((m) => m.recipient);

describe('GET /api/status/{id}?details=true pages', () => {
  test('the default page is the whole campaign, as before paging, with no next cursor', async () => {
    const res = await details('');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.messages.length, COUNT);
    assert.deepEqual(
      res.body.messages.map((m: { id: number }) => m.id),
      campaign.messageIds,
    );
    assert.equal(res.body.next_cursor, null);
  });

  test('following next_cursor visits every message once, in order, and ends with null', async () => {
    const whole = recipientsOf((await details('')).body);
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await details(`&limit=10${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      sizes.push(res.body.messages.length);
      seen.push(...recipientsOf(res.body));
      cursor = res.body.next_cursor;
    } while (cursor !== null && sizes.length < 10);
    assert.deepEqual(sizes, [10, 10, 5]);
    assert.deepEqual(seen, whole);
  });

  test('a page that ends exactly at the last message has no next cursor', async () => {
    const first = await details('&limit=5');
    assert.notEqual(first.body.next_cursor, null);
    const exact = await details(`&limit=${COUNT}`);
    assert.equal(exact.body.next_cursor, null);
    assert.equal(exact.body.messages.length, COUNT);
  });

  test('a cursor stays valid while messages change status between pages', async () => {
    const first = await details('&limit=10');
    // The dispatcher moves on meanwhile: the next page is still the next ten messages.
    await settleMessages(gw.db, campaign.id, [
      { messageId: campaign.messageIds[3] as number, status: 'SENT' },
      { messageId: campaign.messageIds[12] as number, status: 'FAILED' },
    ]);
    const second = await details(`&limit=10&cursor=${first.body.next_cursor}`);
    assert.deepEqual(
      second.body.messages.map((m: { id: number }) => m.id),
      campaign.messageIds.slice(10, 20),
    );
    assert.equal(second.body.messages[2].status, 'FAILED');
  });

  test('offset still pages as before; a cursor with an offset, or a made-up cursor, is a 400', async () => {
    const page = await details('&limit=3&offset=4');
    assert.deepEqual(
      page.body.messages.map((m: { id: number }) => m.id),
      campaign.messageIds.slice(4, 7),
    );
    const both = await details(`&limit=3&offset=1&cursor=${campaign.messageIds[2]}`);
    assert.equal(both.status, 400);
    assert.equal(both.body.error.code, 'VALIDATION_FAILED');
    for (const bad of ['abc', '0', '-5', '1.5']) {
      const res = await details(`&cursor=${bad}`);
      assert.equal(res.status, 400, bad);
    }
  });

  test('status narrows the pages to one status, cursor included; an unknown status is a 400', async () => {
    const sent = campaign.messageIds.filter((_, i) => i % 4 === 1);
    await settleMessages(
      gw.db,
      campaign.id,
      sent.map((messageId) => ({ messageId, status: 'SENT' as const })),
    );
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await details(
        `&status=SENT&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      for (const m of res.body.messages as { id: number; status: string }[]) {
        assert.equal(m.status, 'SENT');
        seen.push(m.id);
      }
      cursor = res.body.next_cursor;
    } while (cursor !== null && seen.length <= COUNT);
    // Every SENT message once, in order (the earlier test settled two more).
    const everySent = (await details('')).body.messages
      .filter((m: { status: string }) => m.status === 'SENT')
      .map((m: { id: number }) => m.id);
    assert.deepEqual(seen, everySent);
    assert.ok(sent.every((id) => seen.includes(id)));
    const bad = await details('&status=DELIVERED');
    assert.equal(bad.status, 400);
  });

  test('without details there are no messages and no cursor', async () => {
    const res = await call('GET', `${gw.url}/api/status/${campaign.id}?sender_number=${SENDER}`);
    assert.equal(res.body.messages, null);
    assert.equal(res.body.next_cursor, null);
  });
});
