import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeCampaign, makeConnectedSender, waitFor } from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import {
  createSession,
  postWebhook,
  registerEmulator,
  scanWhenReady,
  startTestEmulator,
  TEST_HMAC_KEY,
  waitForStoredStatus,
} from './support/fleet.ts';
import { startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';

let gw: TestGateway;
let plus: RunningEmulator;
const SENDER = '21650500001';
const admin = { 'X-Admin-Token': TEST_ADMIN_KEY };
const api = (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = admin,
) => call(method, `${gw.url}${path}`, { headers, ...(body === undefined ? {} : { body }) });

before(async () => {
  gw = await startTestGateway({
    WEBHOOK_HMAC_KEY: TEST_HMAC_KEY,
    OPT_OUT_REPLY: 'You will not hear from us again.',
  });
  plus = await startTestEmulator({ tier: 'PLUS' });
  await makeConnectedSender(gw.db, SENDER);
});
after(async () => {
  await gw.close();
  await plus.close();
});

const HOURS = { timezone: 'Africa/Tunis', start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5] };

describe('the sender policy API', () => {
  test('replaces and reads the global policy; fields left out are off', async () => {
    const put = await api('PUT', '/api/admin/sender-policy', {
      hourly_cap: 40,
      working_hours: HOURS,
      burst: { size: 10, pause_seconds: 120 },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const got = await api('GET', '/api/admin/sender-policy');
    assert.equal(got.status, 200);
    const { updated_at, ...fields } = got.body;
    assert.ok(Date.parse(updated_at));
    assert.deepEqual(fields, {
      delay_jitter_seconds: null,
      hourly_cap: 40,
      daily_cap: null,
      warmup: null,
      working_hours: HOURS,
      burst: { size: 10, pause_seconds: 120 },
      health: null,
    });
  });

  test('is for admins only', async () => {
    assert.equal((await api('GET', '/api/admin/sender-policy', undefined, {})).status, 401);
    const put = await api(
      'PUT',
      '/api/admin/sender-policy',
      {},
      { 'X-Admin-Token': 'wrong-key-0123456789' },
    );
    assert.equal(put.status, 403);
  });

  test('rejects every bad value with a clear code and changes nothing', async () => {
    const before = (await api('GET', '/api/admin/sender-policy')).body;
    const cases: [unknown, string][] = [
      [{ hourly_cap: -5 }, 'VALUE_TOO_SMALL'],
      [{ daily_cap: 0 }, 'VALUE_TOO_SMALL'],
      [{ delay_jitter_seconds: -1 }, 'VALUE_TOO_SMALL'],
      [{ delay_jitter_seconds: 1e9 }, 'VALUE_TOO_LARGE'],
      [{ hourly_cap: 1e7 }, 'VALUE_TOO_LARGE'],
      [{ warmup: [20, -1] }, 'VALUE_TOO_SMALL'],
      [{ warmup: [] }, 'VALIDATION_FAILED'],
      [{ working_hours: { ...HOURS, timezone: 'Europe/Atlantis' } }, 'UNKNOWN_TIME_ZONE'],
      [{ working_hours: { ...HOURS, start: '20:00', end: '09:00' } }, 'INVALID_WORKING_HOURS'],
      [{ working_hours: { ...HOURS, start: '09:00', end: '09:00' } }, 'INVALID_WORKING_HOURS'],
      [{ working_hours: { ...HOURS, days: [] } }, 'INVALID_WORKING_HOURS'],
      [{ working_hours: { ...HOURS, days: [0, 8] } }, 'VALIDATION_FAILED'],
      [{ working_hours: { ...HOURS, start: '9h' } }, 'VALIDATION_FAILED'],
      [{ burst: { size: 0, pause_seconds: 10 } }, 'VALUE_TOO_SMALL'],
      [{ burst: { size: 5, pause_seconds: 1e7 } }, 'VALUE_TOO_LARGE'],
      [
        { health: { max_consecutive_failures: 3, max_not_on_whatsapp_ratio: 0, window: 10 } },
        'VALUE_TOO_SMALL',
      ],
      [
        { health: { max_consecutive_failures: 3, max_not_on_whatsapp_ratio: 1.5, window: 10 } },
        'VALUE_TOO_LARGE',
      ],
      [
        { health: { max_consecutive_failures: 30, max_not_on_whatsapp_ratio: 0.5, window: 10 } },
        'INVALID_HEALTH_RULE',
      ],
      [{ hourly_cap: '10' }, 'VALIDATION_FAILED'],
      [{ surprise: true }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const res = await api('PUT', '/api/admin/sender-policy', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, code, `${JSON.stringify(body)}: ${res.body.error.message}`);
      const override = await api('PUT', `/api/admin/sender-policy/${SENDER}`, body);
      assert.equal(override.body.error.code, code, JSON.stringify(body));
    }
    assert.deepEqual((await api('GET', '/api/admin/sender-policy')).body, before);
    assert.equal((await api('GET', `/api/admin/sender-policy/${SENDER}`)).status, 404);
  });

  test('keeps a per-sender override whose missing fields inherit, and deletes it', async () => {
    assert.equal(
      (await api('PUT', '/api/admin/sender-policy/21650599999', { hourly_cap: 1 })).body.error.code,
      'SENDER_NOT_FOUND',
    );
    const put = await api('PUT', `/api/admin/sender-policy/${SENDER}`, {
      hourly_cap: 5,
      burst: null,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.override, { hourly_cap: 5, burst: null });
    const got = await api('GET', `/api/admin/sender-policy/+${SENDER}`);
    assert.deepEqual(got.body.override, { hourly_cap: 5, burst: null });
    assert.equal((await api('DELETE', `/api/admin/sender-policy/${SENDER}`)).status, 204);
    const again = await api('DELETE', `/api/admin/sender-policy/${SENDER}`);
    assert.equal(again.body.error.code, 'POLICY_OVERRIDE_NOT_FOUND');
  });

  test('shows a held sender as WAITING on its session and campaigns, with when it resumes', async () => {
    await api('PUT', '/api/admin/sender-policy', {});
    await api('PUT', `/api/admin/sender-policy/${SENDER}`, { hourly_cap: 1 });
    const { id, messageIds } = await makeCampaign(gw.db, {
      sender: SENDER,
      recipients: ['21650588881', '21650588882'],
      body: 'x',
    });
    const sentAt = new Date(Date.now() - 10 * 60_000);
    await gw.db
      .insertInto('sender_sends')
      .values({ sender_number: SENDER, message_id: messageIds[0] as number, sent_at: sentAt })
      .execute();
    const status = await api('GET', `/api/status/${id}?sender_number=${SENDER}`, undefined, {});
    assert.deepEqual(status.body.sending, {
      state: 'WAITING',
      reason: 'HOURLY_CAP',
      resumes_at: new Date(sentAt.getTime() + 3_600_000).toISOString(),
    });
    assert.equal(status.body.pending_messages, 2);
    await api('DELETE', `/api/admin/sender-policy/${SENDER}`);
    const active = await api('GET', `/api/status/${id}?sender_number=${SENDER}`, undefined, {});
    assert.deepEqual(active.body.sending, { state: 'ACTIVE', reason: null, resumes_at: null });
  });

  test('resumes only a paused sender, and shows the pause with what tripped it', async () => {
    assert.equal(
      (await api('POST', `/api/admin/senders/${SENDER}/resume`)).body.error.code,
      'SENDER_NOT_PAUSED',
    );
    const trip = {
      rule: 'CONSECUTIVE_FAILURES',
      consecutive_failures: 3,
      max_consecutive_failures: 3,
    };
    await gw.db
      .updateTable('senders')
      .set({ paused_reason: 'HEALTH', paused_details: JSON.stringify(trip) })
      .where('phone_number', '=', SENDER)
      .execute();
    const { id } = await makeCampaign(gw.db, {
      sender: SENDER,
      recipients: ['21650588883'],
      body: 'x',
    });
    const paused = await api('GET', `/api/status/${id}?sender_number=${SENDER}`, undefined, {});
    assert.deepEqual(paused.body.sending, {
      state: 'PAUSED',
      reason: 'HEALTH',
      resumes_at: null,
      details: trip,
    });
    const resumed = await api('POST', `/api/admin/senders/${SENDER}/resume`);
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.state, 'ACTIVE');
  });
});

describe('suppressions', () => {
  test('an admin adds, lists, filters and lifts them; bad input changes nothing', async () => {
    const added = await api('POST', '/api/admin/suppressions', {
      recipient: '+216 50 577 701',
      sender_number: SENDER,
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.recipient, '21650577701');
    assert.equal(added.body.source, 'ADMIN');
    assert.equal(
      (
        await api('POST', '/api/admin/suppressions', {
          recipient: '21650577701',
          sender_number: SENDER,
        })
      ).status,
      200,
    );
    assert.equal(
      (await api('POST', '/api/admin/suppressions', { recipient: '21650577702' })).status,
      201,
    );
    assert.equal(
      (
        await api('POST', '/api/admin/suppressions', {
          recipient: '21650577703',
          sender_number: '21650511111',
        })
      ).status,
      201,
    );
    const bad: [unknown, string][] = [
      [{ recipient: 'not a phone' }, 'INVALID_RECIPIENT'],
      [{ recipient: '21650577704', sender_number: 'abc' }, 'INVALID_SENDER_NUMBER'],
      [{}, 'VALIDATION_FAILED'],
      [{ recipient: '21650577704', extra: 1 }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of bad) {
      const res = await api('POST', '/api/admin/suppressions', body);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, code, JSON.stringify(body));
    }
    const all = await api('GET', '/api/admin/suppressions');
    assert.equal(all.body.total, 3);
    const mine = await api('GET', `/api/suppressions?sender_number=${SENDER}`, undefined, {});
    assert.deepEqual(mine.body.suppressions.map((s: { recipient: string }) => s.recipient).sort(), [
      '21650577701',
      '21650577702',
    ]);
    assert.equal(
      (await api('GET', '/api/suppressions', undefined, {})).body.error.code,
      'SENDER_NUMBER_REQUIRED',
    );
    assert.equal((await api('GET', '/api/admin/suppressions', undefined, {})).status, 401);
    const missing = await api('DELETE', `/api/admin/suppressions?recipient=21650577701`);
    assert.equal(missing.body.error.code, 'SUPPRESSION_NOT_FOUND');
    assert.equal(
      (await api('DELETE', '/api/admin/suppressions')).body.error.code,
      'INVALID_RECIPIENT',
    );
    assert.equal((await api('GET', '/api/admin/suppressions')).body.total, 3);
    assert.equal(
      (
        await api(
          'DELETE',
          `/api/admin/suppressions?recipient=21650577703&sender_number=21650511111`,
        )
      ).status,
      204,
    );
    assert.equal((await api('GET', '/api/admin/suppressions')).body.total, 2);
  });

  test('a submitted campaign leaves suppressed recipients out and reports them', async () => {
    const res = await api(
      'POST',
      '/api/send',
      {
        sender_number: SENDER,
        template: 'hello',
        recipients: ['21650577701', '21650577702', '21650577705'],
      },
      {},
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.total_messages, 1);
    assert.equal(res.body.suppressed, 2);
    assert.deepEqual(res.body.suppressed_recipients, ['21650577701', '21650577702']);
    const none = await api(
      'POST',
      '/api/send',
      { sender_number: SENDER, template: 'hello', recipients: ['21650577701'] },
      {},
    );
    assert.equal(none.status, 409);
    assert.equal(none.body.error.code, 'ALL_RECIPIENTS_SUPPRESSED');
  });

  test('a recipient replying STOP through WAHA is suppressed for that sender and gets the confirmation', async () => {
    await registerEmulator(gw, plus);
    const phone = '21650500003';
    assert.equal((await createSession(gw, phone)).status, 201);
    await scanWhenReady(plus, phone, phone);
    await waitForStoredStatus(gw, phone, 'CONNECTED');
    const session = await api('GET', `/api/sessions/${phone}`, undefined, {});
    assert.deepEqual(session.body.sending, { state: 'ACTIVE', reason: null, resumes_at: null });
    plus.incomingMessage(phone, '21650566661', 'Hello, who is this?');
    plus.incomingMessage(phone, '21650566662', '  Arrêt ');
    plus.incomingMessage(phone, '21650566663', 'إلغاء');
    const listed = await waitFor(async () => {
      const res = await api('GET', `/api/suppressions?sender_number=${phone}`, undefined, {});
      // The global suppression added above is listed too; this sender's own are the replies.
      const own = res.body.suppressions.filter(
        (s: { sender_number: string }) => s.sender_number === phone,
      );
      return own.length === 2 ? own : null;
    });
    assert.deepEqual(
      listed
        .map((s: { recipient: string; keyword: string; source: string; sender_number: string }) => [
          s.recipient,
          s.keyword,
          s.source,
          s.sender_number,
        ])
        .sort(),
      [
        ['21650566662', 'ARRÊT', 'OPT_OUT', phone],
        ['21650566663', 'إلغاء', 'OPT_OUT', phone],
      ],
    );
    const replies = await waitFor(() => {
      const sent = plus.messages().filter((m) => m.session === phone);
      return sent.length === 2 ? sent : null;
    });
    assert.deepEqual(
      replies.map((m) => m.text),
      ['You will not hear from us again.', 'You will not hear from us again.'],
    );
  });
});

describe('health', () => {
  test('ERROR (-1) acks count as failures: the rule pauses the sender after exactly N', async () => {
    const sender = '21650500009';
    await makeConnectedSender(gw.db, sender);
    const health = { max_consecutive_failures: 3, max_not_on_whatsapp_ratio: 1, window: 10 };
    await api('PUT', `/api/admin/sender-policy/${sender}`, { health });
    const to = ['21650544401', '21650544402', '21650544403', '21650544404'];
    const { id, messageIds } = await makeCampaign(gw.db, { sender, recipients: to, body: 'x' });
    // Four messages WAHA accepted, as the dispatcher records them.
    for (const [i, messageId] of messageIds.entries()) {
      await gw.db
        .updateTable('messages')
        .set({ status: 'SENT', waha_message_id: `true_${to[i]}@c.us_ERR${i}` })
        .where('id', '=', messageId)
        .execute();
      await gw.db
        .insertInto('sender_sends')
        .values({ sender_number: sender, message_id: messageId, result: 'OK' })
        .execute();
    }
    const errorAck = (i: number) =>
      postWebhook(gw, {
        event: 'message.ack',
        session: sender,
        metadata: { 'herald.phone': sender },
        payload: { id: `true_${to[i]}@c.us_ERR${i}`, fromMe: true, ack: -1, ackName: 'ERROR' },
      });
    const stateOf = async () =>
      (await api('GET', `/api/status/${id}?sender_number=${sender}`, undefined, {})).body.sending;
    for (const i of [1, 2]) assert.equal((await errorAck(i)).status, 200);
    assert.equal((await stateOf()).state, 'ACTIVE', 'two failures in a row are below the rule');
    assert.equal((await errorAck(3)).status, 200);
    assert.deepEqual(await stateOf(), {
      state: 'PAUSED',
      reason: 'HEALTH',
      resumes_at: null,
      details: {
        rule: 'CONSECUTIVE_FAILURES',
        consecutive_failures: 3,
        max_consecutive_failures: 3,
      },
    });
    const statuses = await gw.db
      .selectFrom('messages')
      .select('status')
      .where('id', 'in', messageIds)
      .execute();
    assert.deepEqual(
      statuses.map((m) => m.status),
      ['SENT', 'SENT', 'SENT', 'SENT'],
      'nothing is failed',
    );
  });
});
