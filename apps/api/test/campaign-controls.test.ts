import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findCampaign, moveCampaignCounters } from '@herald/db';
import {
  countersAndRows,
  makeCampaign,
  makeConnectedSender,
  recipients,
  settleMessages,
  turnJobs,
} from '@herald/testing';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

// The controls over HTTP against a real database, without dispatchers: what each one writes,
// and that every refusal writes nothing. The real-process behaviour is in campaign-controls-e2e.

let gw: TestGateway;
const A = '21620000501';
const B = '21620000502';

before(async () => {
  gw = await startTestGateway();
  await makeConnectedSender(gw.db, A, { tier: 'PLUS' });
  await makeConnectedSender(gw.db, B, { tier: 'PLUS' });
});
after(() => gw.close());

const control = (
  id: number | string,
  action: string,
  options: {
    sender?: string | null;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
) => {
  const sender = options.sender === undefined ? A : options.sender;
  const query = sender === null ? '' : `?sender_number=${sender}`;
  return call('POST', `${gw.url}/api/campaigns/${id}/${action}${query}`, {
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.rawBody === undefined ? {} : { rawBody: options.rawBody }),
    headers: options.headers ?? {},
  });
};

let base = 21690000000;
async function campaignOf(sender: string, count: number) {
  base += 1000;
  return makeCampaign(gw.db, { sender, recipients: recipients(base, count), body: 'hi' });
}

/** Every campaign and message row as it is now, and the queued turns. */
async function snapshot() {
  const campaigns = await gw.db.selectFrom('campaigns').selectAll().orderBy('id').execute();
  const messages = await gw.db.selectFrom('messages').selectAll().orderBy('id').execute();
  const turns = (await turnJobs(gw.boss)).length;
  return { campaigns, messages, turns };
}

async function expectRefused(
  request: () => ReturnType<typeof control>,
  status: number,
  code: string,
) {
  const before = await snapshot();
  const res = await request();
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code);
  assert.deepEqual(await snapshot(), before, 'a refused control writes nothing');
  return res.body.error;
}

async function expectCountersMatchRows(id: number) {
  const campaign = await findCampaign(gw.db, id);
  assert.ok(campaign);
  const { counters, rows } = await countersAndRows(gw.db, campaign);
  assert.deepEqual(counters, rows);
}

describe('pause, resume and cancel', () => {
  test('pause holds a campaign; pausing again changes nothing; resume queues its sender', async () => {
    const c = await campaignOf(A, 3);
    const paused = await control(c.id, 'pause');
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.status, 'PAUSED');
    assert.equal(paused.body.pending_messages, 3);
    assert.equal((await control(c.id, 'pause')).body.status, 'PAUSED');

    const listed = await call('GET', `${gw.url}/api/campaigns?sender_number=${A}&status=PAUSED`);
    assert.equal(listed.status, 200);
    assert.ok(listed.body.some((item: { id: number }) => item.id === c.id));

    await gw.boss.deleteAllJobs();
    const resumed = await control(c.id, 'resume', {
      headers: { 'X-Sender-Number': A },
      sender: null,
    });
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.equal(resumed.body.status, 'PENDING');
    const turns = await turnJobs(gw.boss, A);
    assert.equal(turns.length, 1, 'the resume queued a turn of the sender');
  });

  test('cancel makes every pending message CANCELLED, and counts them', async () => {
    const c = await campaignOf(A, 4);
    await settleMessages(gw.db, c.id, [
      { messageId: c.messageIds[0] ?? 0, status: 'SENT' },
      { messageId: c.messageIds[1] ?? 0, status: 'SENDING' },
    ]);
    const res = await control(c.id, 'cancel');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'CANCELLED');
    assert.equal(res.body.cancelled_messages, 2);
    assert.equal(res.body.sending_messages, 1, 'the message in flight is left to its outcome');
    await expectCountersMatchRows(c.id);

    const status = await call(
      'GET',
      `${gw.url}/api/status/${c.id}?sender_number=${A}&details=true`,
    );
    assert.equal(status.body.status, 'CANCELLED');
    assert.deepEqual(
      status.body.messages.map((m: { status: string }) => m.status),
      ['SENT', 'SENDING', 'CANCELLED', 'CANCELLED'],
    );
    // The message in flight ends as WAHA answered; the campaign stays CANCELLED.
    await gw.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('messages')
        .set({ status: 'SENT' })
        .where('id', '=', c.messageIds[1] ?? 0)
        .execute();
      await moveCampaignCounters(trx, c.id, 'SENDING', 'SENT');
    });
    const done = await findCampaign(gw.db, c.id);
    assert.equal(done?.status, 'CANCELLED');
    assert.ok(done?.completed_at, 'nothing left open: the cancelled campaign is finished');
    assert.equal((await control(c.id, 'cancel')).status, 200, 'cancelling again is harmless');
  });

  test('refuses invalid transitions with 409 INVALID_TRANSITION and writes nothing', async () => {
    const cancelled = await campaignOf(A, 2);
    await control(cancelled.id, 'cancel');
    const error = await expectRefused(
      () => control(cancelled.id, 'pause'),
      409,
      'INVALID_TRANSITION',
    );
    assert.deepEqual(error.details, {
      campaign_id: cancelled.id,
      status: 'CANCELLED',
      action: 'pause',
    });
    await expectRefused(() => control(cancelled.id, 'resume'), 409, 'INVALID_TRANSITION');
    await expectRefused(() => control(cancelled.id, 'retry'), 409, 'INVALID_TRANSITION');

    const completed = await campaignOf(A, 1);
    await settleMessages(gw.db, completed.id, [
      { messageId: completed.messageIds[0] ?? 0, status: 'SENT' },
    ]);
    assert.equal((await findCampaign(gw.db, completed.id))?.status, 'COMPLETED');
    for (const action of ['pause', 'resume', 'cancel', 'retry']) {
      await expectRefused(() => control(completed.id, action), 409, 'INVALID_TRANSITION');
    }
    const pending = await campaignOf(A, 1);
    await expectRefused(() => control(pending.id, 'retry'), 409, 'INVALID_TRANSITION');
  });

  test("answers 404 for unknown ids and other senders' campaigns, like GET /api/status", async () => {
    const theirs = await campaignOf(B, 2);
    for (const action of ['pause', 'resume', 'cancel', 'retry']) {
      await expectRefused(() => control(theirs.id, action), 404, 'CAMPAIGN_NOT_FOUND');
      await expectRefused(() => control(999_999, action), 404, 'CAMPAIGN_NOT_FOUND');
    }
    const asStatus = await call('GET', `${gw.url}/api/status/${theirs.id}?sender_number=${A}`);
    assert.equal(asStatus.status, 404);
    // An admin may control any campaign.
    const admin = await control(theirs.id, 'pause', { sender: null, headers: gw.adminHeaders });
    assert.equal(admin.status, 200, JSON.stringify(admin.body));
    assert.equal(admin.body.status, 'PAUSED');
  });

  test('refuses a missing sender number, a bad id and a bad sender number with 400', async () => {
    const c = await campaignOf(A, 1);
    await expectRefused(
      () => control(c.id, 'pause', { sender: null }),
      400,
      'SENDER_NUMBER_REQUIRED',
    );
    await expectRefused(
      () => control(c.id, 'pause', { sender: 'not-a-number' }),
      400,
      'INVALID_SENDER_NUMBER',
    );
    await expectRefused(() => control('abc', 'pause'), 400, 'VALIDATION_FAILED');
    await expectRefused(() => control('0', 'cancel'), 400, 'VALIDATION_FAILED');
  });
});

describe('retry', () => {
  async function finishedWithErrors() {
    const c = await campaignOf(A, 4);
    const [sent, transient, notOnWhatsapp, unknown] = c.messageIds as [
      number,
      number,
      number,
      number,
    ];
    await settleMessages(gw.db, c.id, [
      { messageId: sent, status: 'SENT' },
      { messageId: transient, status: 'FAILED' },
      { messageId: notOnWhatsapp, status: 'FAILED' },
      { messageId: unknown, status: 'UNKNOWN' },
    ]);
    await gw.db
      .updateTable('messages')
      .set({ error_code: 'SERVER_ERROR' })
      .where('id', '=', transient)
      .execute();
    await gw.db
      .updateTable('messages')
      .set({ error_code: 'NOT_ON_WHATSAPP' })
      .where('id', '=', notOnWhatsapp)
      .execute();
    await gw.db
      .updateTable('messages')
      .set({ error_code: 'TIMEOUT' })
      .where('id', '=', unknown)
      .execute();
    return { id: c.id, transient, notOnWhatsapp, unknown };
  }

  test('re-queues the failures a new attempt may fix, as new attempts, and reopens the campaign', async () => {
    const c = await finishedWithErrors();
    assert.equal((await findCampaign(gw.db, c.id))?.status, 'COMPLETED_WITH_ERRORS');
    await gw.boss.deleteAllJobs();
    const res = await control(c.id, 'retry');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.requeued, 1);
    assert.deepEqual(res.body.requeued_by_code, { SERVER_ERROR: 1 });
    assert.deepEqual(res.body.skipped_by_code, { NOT_ON_WHATSAPP: 1, TIMEOUT: 1 });
    assert.equal(res.body.warning, null);
    assert.equal(res.body.campaign.status, 'IN_PROGRESS');
    assert.equal(res.body.campaign.completed_at, null);
    assert.equal(res.body.campaign.pending_messages, 1);
    const row = await gw.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', c.transient)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'PENDING');
    assert.equal(row.attempts, 1, 'the attempts made so far stay on the record');
    assert.equal(row.attempts_before_retry, 1, 'MAX_ATTEMPTS counts again from here');
    assert.equal((await turnJobs(gw.boss, A)).length, 1, 'the retry queued a turn of the sender');
    await expectCountersMatchRows(c.id);
  });

  test('re-queues UNKNOWN messages only with include_unknown, and warns about duplicates', async () => {
    const c = await finishedWithErrors();
    const res = await control(c.id, 'retry', { body: { include_unknown: true } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.requeued_by_code, { SERVER_ERROR: 1, TIMEOUT: 1 });
    assert.deepEqual(res.body.skipped_by_code, { NOT_ON_WHATSAPP: 1 });
    assert.match(res.body.warning, /may get the message twice/);
    await expectCountersMatchRows(c.id);
  });

  test('refuses a body of the wrong shape and writes nothing', async () => {
    const c = await finishedWithErrors();
    await expectRefused(
      () => control(c.id, 'retry', { body: { include_unknown: 'yes' } }),
      400,
      'VALIDATION_FAILED',
    );
    await expectRefused(
      () => control(c.id, 'retry', { body: { include_unknwn: true } }),
      400,
      'VALIDATION_FAILED',
    );
    await expectRefused(() => control(c.id, 'retry', { body: [true] }), 400, 'VALIDATION_FAILED');
    await expectRefused(
      () => control(c.id, 'retry', { rawBody: '{"include_unknown": tru' }),
      400,
      'MALFORMED_JSON',
    );
  });
});

test('the control endpoints and send_at are documented in /openapi.json', async () => {
  const doc = (await call('GET', `${gw.url}/openapi.json`)).body;
  for (const action of ['pause', 'resume', 'cancel', 'retry']) {
    const path = doc.paths[`/api/campaigns/{campaign_id}/${action}`];
    assert.ok(path?.post, `${action} is documented`);
    assert.ok(path.post.responses['409'], `${action} documents its 409`);
  }
  assert.ok(doc.components.schemas.SendCampaignRequest.properties.send_at);
  assert.ok(doc.components.schemas.RetryCampaignRequest);
});
