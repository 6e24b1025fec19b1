import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '@herald/logging';
import {
  linkEmulatorSession,
  makeConnectedSender,
  makeWorker,
  type RunningProcess,
  recipients,
  setDelaySettings,
  startDispatcherProcess,
  waitFor,
} from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import { loadConfig } from '../src/config.ts';
import { type RunningGateway, startGateway } from '../src/gateway.ts';
import { startTestEmulator } from './support/fleet.ts';
import { startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/gateway.ts';
import { call } from './support/http.ts';
import { openSse, type SseEvent } from './support/sse.ts';

const SENDER = '21642108077';
const OTHER_SENDER = '21642108078';
const RECIPIENTS = 500;

let gw: TestGateway;
let second: RunningGateway;
let emulator: RunningEmulator;
const processes: RunningProcess[] = [];

before(async () => {
  gw = await startTestGateway();
  // A second gateway process on the same database: streams must not depend on which one serves.
  const quiet = createLogger({ service: 'test', console: false, file: '' });
  quiet.silent = true;
  second = await startGateway(
    loadConfig({
      DATABASE_URL: gw.databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      LOG_FILE: '',
    }),
    quiet,
  );
  emulator = await startTestEmulator();
  const worker = await makeWorker(gw.db, { url: emulator.url, api_key: emulator.apiKey ?? '' });
  await makeConnectedSender(gw.db, SENDER, { worker });
  await linkEmulatorSession(emulator, SENDER, SENDER);
  await makeConnectedSender(gw.db, OTHER_SENDER);
  await setDelaySettings(gw.db, { messageDelay: 0, senderSwitchDelay: 0 });
});
after(async () => {
  await Promise.allSettled(processes.map((p) => p.kill()));
  await second?.close();
  await emulator?.close();
  await gw?.close();
});

const eventsUrl = (base: string, id: number, sender = SENDER) =>
  `${base}/api/campaigns/${id}/events?sender_number=${sender}`;

describe('GET /api/campaigns/{id}/events', () => {
  test('streams every status change of a 500-recipient campaign, resumes without gaps, and ends', async () => {
    const submitted = await call('POST', `${gw.url}/api/send`, {
      body: {
        sender_number: SENDER,
        template: 'Hi!',
        recipients: recipients(21650000000, RECIPIENTS),
      },
    });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const id: number = submitted.body.id;

    const first = await openSse(eventsUrl(gw.url, id));
    assert.equal(first.status, 200);
    processes.push(
      await startDispatcherProcess(gw.databaseUrl, 'sse-1', { POLL_INTERVAL_MS: '50' }),
    );
    const messagesIn = (events: SseEvent[]) => events.filter((e) => e.event === 'message');
    await waitFor(() => messagesIn(first.events).length >= 300, {
      timeoutMs: 120_000,
      what: '300 message events on the first connection',
    });
    first.abort();
    await first.closed;
    const lastId = messagesIn(first.events).at(-1)?.id;
    assert.ok(lastId);

    // Resumed on the other gateway, with the header a browser's EventSource sends.
    const resumed = await openSse(eventsUrl(second.url, id), { 'Last-Event-ID': lastId });
    await waitFor(() => resumed.events.some((e) => e.event === 'end'), {
      timeoutMs: 120_000,
      what: 'the end event',
    });
    await resumed.closed;

    const received = [...messagesIn(first.events), ...messagesIn(resumed.events)];
    const changes = received.map((e) => `${e.data.message_id}:${e.data.status}`);
    assert.equal(new Set(changes).size, changes.length, 'no change is sent twice');
    const ledger = await gw.db
      .selectFrom('campaign_events')
      .select(['message_id', 'status'])
      .where('campaign_id', '=', id)
      .where('message_id', 'is not', null)
      .orderBy('xid')
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      changes,
      ledger.map((row) => `${row.message_id}:${row.status}`),
      'every change, in the order they committed',
    );
    // Every recipient went through SENDING to SENT, each change once.
    assert.equal(changes.length, 2 * RECIPIENTS);
    const end = resumed.events.at(-1);
    assert.equal(end?.event, 'end');
    assert.equal(end?.data.status, 'COMPLETED');
    assert.equal(end?.data.sent_messages, RECIPIENTS);
    const progress = resumed.events.filter((e) => e.event === 'progress');
    assert.ok(progress.length >= 1);
    assert.equal(progress.at(-1)?.data.sent_messages, RECIPIENTS);
  });

  test('a finished campaign replays its changes and ends at once', async () => {
    const done = await gw.db
      .selectFrom('campaigns')
      .select('id')
      .where('sender_number', '=', SENDER)
      .executeTakeFirstOrThrow();
    const stream = await openSse(eventsUrl(gw.url, done.id), { 'X-Admin-Token': TEST_ADMIN_KEY });
    await stream.closed;
    assert.equal(stream.events.filter((e) => e.event === 'message').length, 2 * RECIPIENTS);
    assert.equal(stream.events.at(-1)?.event, 'end');
  });

  test("refuses unknown campaigns, other senders' campaigns and bad input", async () => {
    const mine = await gw.db
      .selectFrom('campaigns')
      .select('id')
      .where('sender_number', '=', SENDER)
      .executeTakeFirstOrThrow();
    const cases: [string, Record<string, string>, number, string][] = [
      [eventsUrl(gw.url, mine.id, OTHER_SENDER), {}, 404, 'CAMPAIGN_NOT_FOUND'],
      [eventsUrl(gw.url, 999_999), {}, 404, 'CAMPAIGN_NOT_FOUND'],
      [`${gw.url}/api/campaigns/${mine.id}/events`, {}, 400, 'SENDER_NUMBER_REQUIRED'],
      [`${gw.url}/api/campaigns/abc/events?sender_number=${SENDER}`, {}, 400, 'VALIDATION_FAILED'],
      [eventsUrl(gw.url, mine.id), { 'Last-Event-ID': 'nope' }, 400, 'INVALID_LAST_EVENT_ID'],
    ];
    for (const [url, headers, status, code] of cases) {
      const res = await call('GET', url, { headers });
      assert.equal(res.status, status, url);
      assert.equal(res.body.error.code, code);
    }
  });
});
