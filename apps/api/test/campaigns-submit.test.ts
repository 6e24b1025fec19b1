import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeConnectedSender, turnJobs } from '@herald/testing';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';
import { ledgerTotals } from './support/ledger.ts';
import { type MediaServer, startMediaServer } from './support/media-server.ts';

// MAX_RECIPIENTS is small so the limit can be reached with a readable list.
let gw: TestGateway;
let media: MediaServer;
const SENDER = '21642108077'; // the spec's example sender 42108077, in Tunisia
const CORE_SENDER = '21620000001';
const WAITING_SENDER = '21620000002';

before(async () => {
  media = await startMediaServer();
  gw = await startTestGateway({
    MAX_RECIPIENTS: '5',
    MEDIA_ALLOWED_HOSTS: '127.0.0.1',
    MAX_CAMPAIGN_TEXT: '100000',
  });
  await makeConnectedSender(gw.db, SENDER, { tier: 'PLUS' });
  await makeConnectedSender(gw.db, CORE_SENDER, { tier: 'CORE' });
  await makeConnectedSender(gw.db, WAITING_SENDER, { status: 'WAITING_FOR_SCAN' });
});
after(async () => {
  await gw.close();
  await media.close();
});

const send = (body: unknown) => call('POST', `${gw.url}/api/send`, { body });
const valid = { sender_number: SENDER, template: 'Hello!', recipients: ['21698000001'] };

/** Sends a request that must be refused, and checks the refusal wrote nothing at all. */
async function expectRefused(request: () => ReturnType<typeof send>, status: number, code: string) {
  const before = await ledgerTotals(gw.db, gw.boss);
  const res = await request();
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code);
  assert.deepEqual(await ledgerTotals(gw.db, gw.boss), before, 'a refused campaign writes nothing');
  return res.body.error;
}

describe('POST /api/send refuses bad input and writes nothing', () => {
  test('rejects a body that is not JSON', async () => {
    await expectRefused(
      () => call('POST', `${gw.url}/api/send`, { rawBody: '{"sender_number": "216' }),
      400,
      'MALFORMED_JSON',
    );
  });

  test('rejects a body without a template or without recipients', async () => {
    const noTemplate = await expectRefused(
      () => send({ sender_number: SENDER, recipients: ['21698000001'] }),
      400,
      'VALIDATION_FAILED',
    );
    assert.ok(noTemplate.details.some((d: { path: string }) => d.path === 'template'));
    const noRecipients = await expectRefused(
      () => send({ sender_number: SENDER, template: 'Hi' }),
      400,
      'VALIDATION_FAILED',
    );
    assert.ok(noRecipients.details.some((d: { path: string }) => d.path === 'recipients'));
    await expectRefused(
      () => send({ template: 'Hi', recipients: ['21698000001'] }),
      400,
      'VALIDATION_FAILED',
    );
  });

  test('rejects fields of the wrong type', async () => {
    for (const wrong of [
      { recipients: '21698000001' },
      { template: 42 },
      { sender_number: 21642108077 },
      { variables: ['a'] },
      { variables: { name: { nested: true } } },
      { media_url: 'ftp://example.com/a.png' },
      { media_url: 'not a url' },
      { recipients: [{ number: '21698000001' }] },
    ]) {
      await expectRefused(() => send({ ...valid, ...wrong }), 400, 'VALIDATION_FAILED');
    }
  });

  test('rejects an empty recipient list, a blank template and an overlong one', async () => {
    await expectRefused(() => send({ ...valid, recipients: [] }), 400, 'VALIDATION_FAILED');
    await expectRefused(() => send({ ...valid, template: '  \n ' }), 400, 'VALIDATION_FAILED');
    await expectRefused(
      () => send({ ...valid, template: 'x'.repeat(4097) }),
      400,
      'VALIDATION_FAILED',
    );
    await expectRefused(() => send({ ...valid, template: 'a\u0000b' }), 400, 'VALIDATION_FAILED');
  });

  test('rejects a media URL carrying NUL, which Postgres cannot store', async () => {
    await expectRefused(
      () => send({ ...valid, media_url: 'https://example.com/a\u0000.png' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  test('lists every invalid recipient as it was given', async () => {
    const error = await expectRefused(
      () => send({ ...valid, recipients: ['21698000001', '123', 'abc', { phone: '+999' }] }),
      400,
      'INVALID_RECIPIENTS',
    );
    assert.deepEqual(error.details.invalid, ['123', 'abc', '+999']);
  });

  test('names the template variables that have no value', async () => {
    const error = await expectRefused(
      () =>
        send({
          ...valid,
          template: 'Hi {{name}}, code {{code}}, {{ city }}',
          variables: { city: 'Sfax' },
        }),
      400,
      'MISSING_VARIABLES',
    );
    assert.deepEqual(error.details.missing, ['name', 'code']);
  });

  test('names the missing variables per recipient when recipients carry their own', async () => {
    const error = await expectRefused(
      () =>
        send({
          ...valid,
          template: 'Hi {{name}} from {{city}}',
          variables: { city: 'Sfax' },
          recipients: [{ phone: '21698000001', variables: { name: 'Amira' } }, '21698000002'],
        }),
      400,
      'MISSING_VARIABLES',
    );
    assert.deepEqual(error.details.missing, ['name']);
    assert.deepEqual(error.details.by_recipient, [{ recipient: '21698000002', missing: ['name'] }]);
  });

  test('refuses a text that renders empty', async () => {
    await expectRefused(
      () => send({ ...valid, template: '{{greeting}}', variables: { greeting: ' ' } }),
      400,
      'EMPTY_MESSAGE',
    );
  });

  test('refuses a campaign whose texts add up to more than MAX_CAMPAIGN_TEXT', async () => {
    const error = await expectRefused(
      () =>
        send({
          ...valid,
          template: '{{a}}{{a}}{{a}}{{a}}{{a}}{{a}}{{a}}{{a}}{{a}}{{a}}',
          variables: { a: 'x'.repeat(4000) },
          recipients: ['21698000001', '21698000002', '21698000003'],
        }),
      413,
      'CAMPAIGN_TOO_LARGE',
    );
    assert.deepEqual(error.details, { max: 100_000, given: 120_000 });
  });

  test('refuses more recipients than MAX_RECIPIENTS in the schema itself', async () => {
    const recipients = Array.from({ length: 6 }, (_, i) => `2169800000${i}`);
    const error = await expectRefused(
      () => send({ ...valid, recipients }),
      400,
      'VALIDATION_FAILED',
    );
    assert.deepEqual(error.details, [
      { path: 'recipients', message: 'at most 5 recipients (MAX_RECIPIENTS); split the list' },
    ]);
  });

  test('refuses a sender number that is not a phone number', async () => {
    await expectRefused(
      () => send({ ...valid, sender_number: '12' }),
      400,
      'INVALID_SENDER_NUMBER',
    );
  });

  test('refuses a sender without a connected session and says how to connect', async () => {
    const none = await expectRefused(
      () => send({ ...valid, sender_number: '+21655123456' }),
      409,
      'SESSION_NOT_CONNECTED',
    );
    assert.match(none.message, /POST \/api\/sessions/);
    assert.match(none.message, /qr/i);
    assert.equal(none.details.session_status, null);
    const waiting = await expectRefused(
      () => send({ ...valid, sender_number: WAITING_SENDER }),
      409,
      'SESSION_NOT_CONNECTED',
    );
    assert.equal(waiting.details.session_status, 'WAITING_FOR_SCAN');
  });

  test('refuses media for a sender on a WAHA Core worker, but not its text', async () => {
    await expectRefused(
      () => send({ ...valid, sender_number: CORE_SENDER, media_url: 'https://example.com/a.png' }),
      409,
      'MEDIA_REQUIRES_PLUS',
    );
    const text = await send({ ...valid, sender_number: CORE_SENDER, media_url: null });
    assert.equal(text.status, 201, JSON.stringify(text.body));
  });
});

describe('POST /api/send stores and queues a campaign', () => {
  test('normalises numbers, removes duplicates and renders each text', async () => {
    const before = await ledgerTotals(gw.db, gw.boss);
    const res = await send({
      sender_number: '42108077',
      template: 'Hello {{name}}, your code is {{code}}',
      variables: { name: 'friend', code: 42 },
      recipients: [
        '+21698000001',
        '98000001',
        { phone: '0021698000002', variables: { name: 'Amira' } },
        '216 98 000 003',
        '21698000002',
      ],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'PENDING');
    assert.equal(res.body.sender_number, SENDER);
    assert.equal(res.body.total_messages, 3);
    assert.equal(res.body.duplicates_removed, 2);
    assert.deepEqual(res.body.duplicate_recipients, ['21698000001', '21698000002']);
    assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));

    const campaign = await gw.db
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    assert.equal(campaign.sender_number, SENDER);
    assert.equal(campaign.status, 'PENDING');
    assert.deepEqual(
      [campaign.total_messages, campaign.pending_messages, campaign.sent_messages],
      [3, 3, 0],
    );
    assert.deepEqual(campaign.variables, { name: 'friend', code: 42 });
    const messages = await gw.db
      .selectFrom('messages')
      .select(['recipient', 'body', 'status', 'sender_number'])
      .where('campaign_id', '=', res.body.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(messages, [
      {
        recipient: '21698000001',
        body: 'Hello friend, your code is 42',
        status: 'PENDING',
        sender_number: SENDER,
      },
      {
        recipient: '21698000002',
        body: 'Hello Amira, your code is 42',
        status: 'PENDING',
        sender_number: SENDER,
      },
      {
        recipient: '21698000003',
        body: 'Hello friend, your code is 42',
        status: 'PENDING',
        sender_number: SENDER,
      },
    ]);
    const after = await ledgerTotals(gw.db, gw.boss);
    assert.equal(after.campaigns, before.campaigns + 1);
    assert.equal(after.messages, before.messages + 3);
  });

  test("queues exactly one turn for the sender, keyed by the sender's number", async () => {
    const turns = await turnJobs(gw.boss, SENDER);
    assert.equal(turns.length, 1);
    assert.equal(turns[0]?.singletonKey, SENDER);
    assert.equal(turns[0]?.state, 'created');
    assert.deepEqual(turns[0]?.data, { sender_number: SENDER });
    // A second campaign while that turn waits adds no second turn: the waiting one will send both.
    const again = await send({ ...valid, recipients: ['21698000009'] });
    assert.equal(again.status, 201);
    assert.equal((await turnJobs(gw.boss, SENDER)).length, 1);
  });

  test('keeps a media URL for a sender on a Plus worker', async () => {
    const mediaUrl = `${media.url}/promo.png`;
    const res = await send({ ...valid, media_url: mediaUrl });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.media_url, mediaUrl);
    const stored = await gw.db
      .selectFrom('campaigns')
      .select('media_url')
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.media_url, mediaUrl);
  });
});
