import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signClientWebhook, verifyClientWebhook } from '../src/index.ts';

const SECRET = 'client-webhook-secret-0123456789';
const BODY = '{"id":"1-2","type":"message.status"}';

describe('client webhook signatures', () => {
  it('sign the timestamp and the raw body together', () => {
    const header = signClientWebhook(SECRET, BODY, 1_700_000_000);
    assert.match(header, /^t=1700000000,v1=[0-9a-f]{64}$/);
    assert.equal(verifyClientWebhook(SECRET, BODY, header, 1_700_000_010), true);
  });

  it('refuse another body, another secret, another timestamp or an old one', () => {
    const header = signClientWebhook(SECRET, BODY, 1_700_000_000);
    assert.equal(verifyClientWebhook(SECRET, `${BODY} `, header, 1_700_000_000), false);
    assert.equal(
      verifyClientWebhook('another-secret-0123456789', BODY, header, 1_700_000_000),
      false,
    );
    const moved = header.replace('t=1700000000', 't=1700000001');
    assert.equal(verifyClientWebhook(SECRET, BODY, moved, 1_700_000_000), false);
    assert.equal(verifyClientWebhook(SECRET, BODY, header, 1_700_000_301), false, 'a replay');
    assert.equal(verifyClientWebhook(SECRET, BODY, 'garbage', 1_700_000_000), false);
  });
});
