import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { findCampaign } from '@herald/db';
import { makeCampaign, makeConnectedSender, makeWorker } from '@herald/testing';
import { postWebhook, TEST_HMAC_KEY } from './support/fleet.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';

// WAHA's `message.any` for the account's own send settles an UNKNOWN message: same recipient,
// same content, within the call's window. Its acks then apply.

let gw: TestGateway;
const SENDER = '21650900001';

before(async () => {
  gw = await startTestGateway({ WEBHOOK_HMAC_KEY: TEST_HMAC_KEY });
  await makeConnectedSender(gw.db, SENDER, { worker: await makeWorker(gw.db) });
});
after(() => gw.close());

/** A one-message campaign whose message went UNKNOWN a moment ago. */
async function unknownMessage(recipient: string, body: string) {
  const campaign = await makeCampaign(gw.db, { sender: SENDER, recipients: [recipient], body });
  const id = campaign.messageIds[0] as number;
  const sendingAt = new Date(Date.now() - 3000);
  await gw.db
    .updateTable('messages')
    .set({ status: 'UNKNOWN', sending_at: sendingAt, finished_at: new Date(), attempts: 1 })
    .where('id', '=', id)
    .execute();
  await gw.db
    .updateTable('campaigns')
    .set({ pending_messages: 0, unknown_messages: 1, status: 'COMPLETED_WITH_ERRORS' })
    .where('id', '=', campaign.id)
    .execute();
  return { id, campaignId: campaign.id, at: Math.floor(sendingAt.getTime() / 1000) + 1 };
}

const messageAny = (payload: Record<string, unknown>) =>
  postWebhook(gw, {
    event: 'message.any',
    session: SENDER,
    metadata: { 'herald.phone': SENDER },
    payload: { fromMe: true, source: 'api', ...payload },
  });

const row = (id: number) =>
  gw.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

test('a message.any with the same chat and content resolves the UNKNOWN to SENT; acks apply', async () => {
  const { id, campaignId, at } = await unknownMessage('21650999001', 'Hello Ana');
  const other = await messageAny({
    id: 'true_21650999001@c.us_OTHER',
    to: '21650999001@c.us',
    body: 'Hello Bob',
    timestamp: at,
  });
  assert.equal(other.status, 200);
  assert.equal((await row(id)).status, 'UNKNOWN', 'other content is not its record');

  const wahaId = 'true_21650999001@c.us_MATCH';
  await messageAny({ id: wahaId, to: '21650999001@c.us', body: 'Hello Ana', timestamp: at });
  const resolved = await row(id);
  assert.equal(resolved.status, 'SENT');
  assert.equal(resolved.waha_message_id, wahaId);
  const campaign = await findCampaign(gw.db, campaignId);
  assert.equal(campaign?.status, 'COMPLETED');
  assert.deepEqual([campaign?.sent_messages, campaign?.unknown_messages], [1, 0]);
  const events = await gw.db
    .selectFrom('campaign_events')
    .select(['status', 'note'])
    .where('message_id', '=', id)
    .where('note', '=', 'resolved_from_unknown')
    .execute();
  assert.deepEqual(events, [{ status: 'SENT', note: 'resolved_from_unknown' }]);

  await postWebhook(gw, {
    event: 'message.ack',
    session: SENDER,
    metadata: { 'herald.phone': SENDER },
    payload: { id: wahaId, from: `${SENDER}@c.us`, fromMe: true, ack: 3 },
  });
  assert.equal((await row(id)).ack, 3);
});

test('a record stamped before the call began is not its record', async () => {
  const { id, at } = await unknownMessage('21650999002', 'Hi');
  await messageAny({
    id: 'true_21650999002@c.us_EARLY',
    to: '21650999002@c.us',
    body: 'Hi',
    timestamp: at - 120,
  });
  assert.equal((await row(id)).status, 'UNKNOWN');
});
