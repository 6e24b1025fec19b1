import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { makeConnectedSender } from '@herald/testing';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { ledgerTotals } from './support/ledger.ts';

// The security review's requests that took the gateway down or answered 500, replayed against
// the default MAX_RECIPIENTS: each must be a small 4xx that writes nothing.
let gw: TestGateway;
const SENDER = '21642108077';
const OFFLINE_SENDER = '21620000009';

before(async () => {
  gw = await startTestGateway();
  await makeConnectedSender(gw.db, SENDER, { tier: 'PLUS' });
});
after(() => gw.close());

async function post(body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${gw.url}/api/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
}

/** Posts, expects the status and code, checks the answer is small and nothing was written. */
async function refused(body: string | Buffer, status: number, code: string, headers = {}) {
  const before = await ledgerTotals(gw.db, gw.boss);
  const res = await post(body, headers);
  assert.equal(res.status, status, res.text.slice(0, 500));
  assert.equal(res.body.error.code, code);
  assert.ok(res.text.length < 8192, `an error body of ${res.text.length} bytes`);
  assert.deepEqual(await ledgerTotals(gw.db, gw.boss), before, 'a refused request writes nothing');
  return res.body.error;
}

const phones = (n: number) =>
  Array.from({ length: n }, (_, i) => `2169${String(i).padStart(7, '0')}`);

describe('bounded input', () => {
  test('4.5 million integers as recipients: one small 400, bounded memory', async () => {
    const body = `{"sender_number":"${SENDER}","template":"Hi","recipients":[${'1,'.repeat(4_499_999)}1]}`;
    const rssBefore = process.memoryUsage().rss;
    const error = await refused(body, 400, 'VALIDATION_FAILED');
    assert.match(error.message, /recipients: at most 100000 recipients/);
    // Before: every item's issue was kept and copied (RSS 685 MB → 4.3 GB, then out of memory).
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(grown < 250 * 1024 * 1024, `RSS grew by ${Math.round(grown / 1e6)} MB`);
  });

  test('millions of empty objects are refused before they are parsed', async () => {
    const body = `{"recipients":[${'{},'.repeat(3_000_000)}{}]}`;
    await refused(body, 413, 'PAYLOAD_TOO_COMPLEX');
  });

  test('819 x {{a}} with a 4 KB value: the session is checked first, then the length', async () => {
    const bomb = {
      template: '{{a}}'.repeat(819),
      variables: { a: 'x'.repeat(4096) },
      recipients: phones(200),
    };
    const offline = await refused(
      JSON.stringify({ ...bomb, sender_number: OFFLINE_SENDER }),
      409,
      'SESSION_NOT_CONNECTED',
    );
    assert.equal(offline.details.sender_number, OFFLINE_SENDER);
    const rssBefore = process.memoryUsage().rss;
    const error = await refused(
      JSON.stringify({ ...bomb, sender_number: SENDER }),
      400,
      'MESSAGE_TOO_LONG',
    );
    assert.equal(error.details.max, 65_536);
    assert.equal(error.details.recipients_count, 200);
    // Rendering them would have taken 200 x 6.7 MB.
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(grown < 200 * 1024 * 1024, `RSS grew by ${Math.round(grown / 1e6)} MB`);
  });

  test('a 394 KB request with missing variables gets a small error', async () => {
    const recipients = phones(3500).map((phone) => ({
      phone,
      variables: { other: 'x'.repeat(80) },
    }));
    const body = JSON.stringify({ sender_number: SENDER, template: 'Hi {{name}}', recipients });
    assert.ok(body.length > 390_000);
    const error = await refused(body, 400, 'MISSING_VARIABLES');
    assert.equal(error.details.by_recipient.length, 20);
    assert.equal(error.details.by_recipient_count, 3500);
  });

  test('schema errors list the first 20 problems and count the rest', async () => {
    const body = JSON.stringify({
      sender_number: SENDER,
      template: 'Hi',
      recipients: phones(5000).map(() => 7),
    });
    const error = await refused(body, 400, 'VALIDATION_FAILED');
    assert.equal(error.details.length, 20);
    assert.match(error.message, /\(5000 problems; the first 20 are listed\)/);
  });

  test('lone surrogates anywhere in the body are a 400, not a database error', async () => {
    const cases = [
      `{"sender_number":"${SENDER}","template":"Hi {{a}}","variables":{"a":"\\ud800"},"recipients":["21698000001"]}`,
      `{"sender_number":"${SENDER}","template":"Hi \\udc00 there","recipients":["21698000001"]}`,
      `{"sender_number":"${SENDER}","template":"Hi","variables":{"\\ud83d":"x"},"recipients":["21698000001"]}`,
      `{"sender_number":"${SENDER}","template":"Hi","recipients":[{"phone":"21698000001","variables":{"a":"\\udfff\\ud800"}}]}`,
    ];
    for (const body of cases) await refused(body, 400, 'MALFORMED_UNICODE');
    // A well-formed pair is fine.
    const ok = await post(
      `{"sender_number":"${SENDER}","template":"Hi \\ud83d\\ude00","recipients":["21698000001"]}`,
    );
    assert.equal(ok.status, 201, ok.text);
  });

  test('a body whose Content-Encoding does not decode is a 4xx', async () => {
    const json = JSON.stringify({
      sender_number: OFFLINE_SENDER,
      template: 'Hi',
      recipients: ['21698000001'],
    });
    const garbage = Buffer.from('this is not compressed at all');
    const truncated = gzipSync(json).subarray(0, 20);
    for (const [encoding, body] of [
      ['gzip', garbage],
      ['gzip', truncated],
      ['deflate', garbage],
      ['br', garbage],
      ['gzip, deflate', gzipSync(json)],
    ] as const) {
      const res = await post(body, { 'content-encoding': encoding });
      assert.ok(res.status === 400 || res.status === 415, `${encoding}: ${res.status} ${res.text}`);
      assert.ok(res.body.error.code, res.text);
    }
    const unknown = await post(json, { 'content-encoding': 'compress' });
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.body.error.code, 'UNSUPPORTED_ENCODING');
    // Encodings that decode are read as usual: the answer is about the (offline) sender.
    for (const [encoding, body] of [
      ['gzip', gzipSync(json)],
      ['deflate', deflateSync(json)],
      ['br', brotliCompressSync(json)],
    ] as const) {
      const res = await post(body, { 'content-encoding': encoding });
      assert.equal(res.status, 409, `${encoding}: ${res.text}`);
    }
  });

  test('a compressed body is limited by its decoded size', async () => {
    const huge = Buffer.alloc(40 * 1024 * 1024, 0x20);
    await refused(gzipSync(huge), 413, 'PAYLOAD_TOO_LARGE', { 'content-encoding': 'gzip' });
  });
});
