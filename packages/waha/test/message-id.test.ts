import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractMessageId } from '../src/index.ts';

describe('extractMessageId', () => {
  test('takes a string id as it is (GOWS)', () => {
    assert.equal(
      extractMessageId({ id: 'true_12025550123@c.us_3EB0AA', _data: {} }),
      'true_12025550123@c.us_3EB0AA',
    );
  });

  test('takes the serialized form of an id object (WEBJS)', () => {
    const raw = {
      id: {
        fromMe: true,
        remote: '12025550123@c.us',
        id: '3EB0BB',
        _serialized: 'true_12025550123@c.us_3EB0BB',
      },
      ack: 0,
      body: 'hi',
    };
    assert.equal(extractMessageId(raw), 'true_12025550123@c.us_3EB0BB');
  });

  test('builds the id of a WEBJS id object that lacks _serialized', () => {
    const raw = { id: { fromMe: true, remote: '12025550123@c.us', id: '3EB0BC' } };
    assert.equal(extractMessageId(raw), 'true_12025550123@c.us_3EB0BC');
  });

  test('builds the id from a Baileys key, writing the chat as @c.us (NOWEB)', () => {
    const raw = {
      key: { remoteJid: '12025550123@s.whatsapp.net', fromMe: true, id: 'BAE5CC' },
      message: { extendedTextMessage: { text: 'hi' } },
      status: 'PENDING',
    };
    assert.equal(extractMessageId(raw), 'true_12025550123@c.us_BAE5CC');
  });

  test('drops the device part of a Baileys address and keeps a group participant', () => {
    const device = { key: { remoteJid: '12025550123:7@s.whatsapp.net', fromMe: true, id: 'X1' } };
    assert.equal(extractMessageId(device), 'true_12025550123@c.us_X1');
    const group = {
      key: {
        remoteJid: '120363000000000000@g.us',
        fromMe: true,
        id: 'X2',
        participant: '12025550123@s.whatsapp.net',
      },
    };
    assert.equal(extractMessageId(group), 'true_120363000000000000@g.us_X2_12025550123@c.us');
    const fromThem = { key: { remoteJid: '1@s.whatsapp.net', fromMe: false, id: 'X3' } };
    assert.equal(extractMessageId(fromThem), 'false_1@c.us_X3');
  });

  test('answers null when there is no id to read', () => {
    for (const raw of [
      null,
      undefined,
      'true_1@c.us_A',
      [],
      {},
      { id: '' },
      { id: { _serialized: '' } },
      { id: 42 },
      { key: { remoteJid: '1@s.whatsapp.net' } },
      { key: { remoteJid: '', id: 'A' } },
    ]) {
      assert.equal(extractMessageId(raw), null, JSON.stringify(raw));
    }
  });
});
