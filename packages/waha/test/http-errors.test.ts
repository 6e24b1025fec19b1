import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWahaClient, type WahaClient, WahaError } from '../src/index.ts';
import { type FixtureServer, replyJson, startFixtureServer } from './fixture-server.ts';

const nest = (statusCode: number, message: string | string[], error: string) => ({
  statusCode,
  message,
  error,
});
const statusMismatch = (status: string, expected: string[]) => ({
  error: 'Session status is not as expected. Try again later or restart the session',
  session: 'default',
  status,
  expected,
});
const CORE_NAME =
  "WAHA Core support only 'default' session. You tried to access 'other' session (base64: b3RoZXI=). If you want to run more then one WhatsApp account - please get WAHA PLUS version. Check this out: https://waha.devlike.pro/";

/** WAHA's error answers, exactly as its NestJS filters write them, keyed by session name. */
const answers: Record<string, [number, unknown]> = {
  unauthorized: [401, { message: 'Unauthorized', statusCode: 401 }],
  missing: [404, nest(404, 'Session not found', 'Not Found')],
  invalid: [400, nest(400, ['name must match /^[a-zA-Z0-9_-]*$/'], 'Bad Request')],
  presence: [400, { detail: 'chatId is required for typing' }],
  starting: [422, statusMismatch('STARTING', ['WORKING'])],
  stopped: [422, { error: 'Session "stopped" does not exist', session: 'stopped' }],
  exists: [
    422,
    nest(422, "Session 'exists' already exists. Use PUT to update it.", 'Unprocessable Entity'),
  ],
  started: [422, nest(422, "Session 'default' is already started.", 'Unprocessable Entity')],
  other: [422, nest(422, CORE_NAME, 'Unprocessable Entity')],
  media: [
    422,
    nest(
      422,
      "The feature is available only in Plus version for 'NOWEB' engine. Check this out: https://waha.devlike.pro/",
      'Unprocessable Entity',
    ),
  ],
  nameless: [422, nest(422, 'Session name is required', 'Unprocessable Entity')],
  video: [501, nest(501, "The method is not implemented by 'NOWEB' engine.", 'Not Implemented')],
  crash: [
    500,
    {
      statusCode: 500,
      timestamp: '2025-01-01T00:00:00.000Z',
      exception: { message: 'boom', name: 'Error' },
      request: { path: '/api/sessions/crash', method: 'GET', body: {}, query: {} },
      version: { version: '2025.12.3', tier: 'CORE' },
    },
  ],
};

describe('WAHA error answers', () => {
  let server: FixtureServer;
  let client: WahaClient;

  before(async () => {
    server = await startFixtureServer((request, res) => {
      const name = decodeURIComponent(request.url.split('/')[3] ?? '').split('?')[0] ?? '';
      const body = request.body ? JSON.parse(request.body) : {};
      const key = request.url.startsWith('/api/send') ? body.chatId : name;
      const canned = answers[key];
      if (canned) return replyJson(res, canned[0], canned[1]);
      if (key === 'unavailable') {
        res.writeHead(503, { 'content-type': 'text/html' });
        return void res.end('<h1>503 Service Unavailable</h1>');
      }
      if (key === 'html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end('<html>login</html>');
      }
      if (key === 'broken') {
        res.writeHead(201, { 'content-type': 'application/json' });
        return void res.end('{"id": "true_');
      }
      if (key === 'empty') return void res.writeHead(200).end();
      if (key === 'shapeless') return replyJson(res, 200, { hello: 'world' });
      replyJson(res, 200, { name, status: 'WORKING', me: null });
    });
    client = createWahaClient({ baseUrl: server.url });
  });

  after(async () => {
    await client.close();
    await server.close();
  });

  async function failureOf(name: string): Promise<WahaError> {
    const error = await client.getSession(name).then(
      () => assert.fail(`${name} should have failed`),
      (error: unknown) => error,
    );
    assert.ok(error instanceof WahaError);
    return error;
  }

  const cases: [string, string, number, boolean][] = [
    ['unauthorized', 'UNAUTHORIZED', 401, false],
    ['missing', 'NOT_FOUND', 404, false],
    ['invalid', 'BAD_REQUEST', 400, false],
    ['presence', 'BAD_REQUEST', 400, false],
    ['starting', 'SESSION_STATUS', 422, true],
    ['stopped', 'SESSION_STATUS', 422, true],
    ['exists', 'SESSION_EXISTS', 422, false],
    ['started', 'SESSION_ALREADY_STARTED', 422, false],
    ['other', 'CORE_SESSION_NAME', 422, false],
    ['media', 'PLUS_ONLY', 422, false],
    ['nameless', 'UNPROCESSABLE', 422, false],
    ['video', 'NOT_IMPLEMENTED', 501, false],
    ['crash', 'SERVER_ERROR', 500, true],
    ['unavailable', 'SERVER_ERROR', 503, true],
  ];
  for (const [name, code, status, retryable] of cases) {
    test(`classifies the "${name}" answer as ${code}`, async () => {
      const error = await failureOf(name);
      assert.equal(error.code, code);
      assert.equal(error.status, status);
      assert.equal(error.retryable, retryable);
      assert.equal(error.ambiguous, false);
      assert.ok(error.message.includes(`GET /api/sessions/${name} answered ${status}`));
    });
  }

  test('reads the reported status of a status mismatch and keeps the body', async () => {
    const error = await failureOf('starting');
    assert.equal(error.sessionStatus, 'STARTING');
    assert.deepEqual(error.body, answers.starting?.[1]);
    assert.ok(error.message.includes('Session status is not as expected'));
    assert.equal((await failureOf('stopped')).sessionStatus, 'STOPPED');
    assert.equal((await failureOf('exists')).sessionStatus, undefined);
  });

  test('keeps a non-JSON error body as text', async () => {
    const error = await failureOf('unavailable');
    assert.equal(error.body, '<h1>503 Service Unavailable</h1>');
  });

  test('an HTTP error answer to a send is never ambiguous: WAHA refused it', async () => {
    for (const chatId of ['media', 'starting', 'crash', 'video']) {
      const error = await client
        .sendImage({ session: 'default', chatId, file: { mimetype: 'image/png', data: 'AA==' } })
        .then(
          () => assert.fail(),
          (error: unknown) => error as WahaError,
        );
      assert.equal(error.ambiguous, false, chatId);
    }
  });

  test('a 2xx that is not JSON, not parseable, empty or of the wrong shape is BAD_RESPONSE', async () => {
    for (const name of ['html', 'broken', 'empty', 'shapeless']) {
      const error = await failureOf(name);
      assert.equal(error.code, 'BAD_RESPONSE', name);
      assert.equal(error.retryable, false);
      assert.equal(error.ambiguous, false);
    }
    assert.equal((await failureOf('html')).body, '<html>login</html>');
  });

  test('a send answered 2xx with an unreadable body is BAD_RESPONSE, ambiguous and not retryable', async () => {
    const error = await client.sendText({ session: 'default', chatId: 'broken', text: 'hi' }).then(
      () => assert.fail(),
      (error: unknown) => error as WahaError,
    );
    assert.equal(error.code, 'BAD_RESPONSE');
    assert.equal(error.status, 201);
    assert.equal(error.retryable, false);
    assert.equal(error.ambiguous, true);
  });
});
