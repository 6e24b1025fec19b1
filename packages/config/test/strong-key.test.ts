import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { weakKeyReason } from '../src/strong-key.ts';

describe('admin key strength', () => {
  it('refuses short keys, placeholders, little variety and repeated patterns', () => {
    const weak = {
      'short-but-random-Q7x': /at least 24/,
      'CHANGE-ME-at-least-16-characters': /placeholder/,
      'changeme-changeme-changeme-42': /placeholder/,
      aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: /different characters/,
      '0101010101010101010101010101': /different characters/,
      abcdefgh1abcdefgh1abcdefgh1: /repeats/,
    };
    for (const [key, reason] of Object.entries(weak)) {
      assert.match(weakKeyReason(key, 24) ?? 'accepted', reason, key);
    }
  });

  it('accepts generated keys and the keys the tests, bench and guide demo use', () => {
    for (const key of [
      randomBytes(24).toString('base64url'),
      randomBytes(32).toString('hex'),
      'test-admin-key-0123456789',
      'guide-admin-key-0123456789',
      'bench-admin-key-0123456789',
    ]) {
      assert.equal(weakKeyReason(key, 24), null, key);
    }
  });
});
