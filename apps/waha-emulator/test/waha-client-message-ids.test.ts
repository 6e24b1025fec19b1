import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from '@herald/testing';
import { createWahaClient } from '@herald/waha';
import { startEmulator } from '../src/index.ts';

describe('message ids of each engine', () => {
  for (const engine of ['NOWEB', 'WEBJS', 'GOWS'] as const) {
    test(`the id read from a ${engine} send is the id WAHA reports for it`, async () => {
      const emulator = await startEmulator({
        tier: 'PLUS',
        engine,
        apiKey: null,
        startingDelayMs: 10,
      });
      const client = createWahaClient({ baseUrl: emulator.url });
      try {
        await client.createSession({ name: 'ids', start: true });
        await waitFor(async () => (await client.getSession('ids')).status === 'SCAN_QR_CODE');
        emulator.scan('ids', '12025550100');
        await waitFor(async () => (await client.getSession('ids')).status === 'WORKING');
        for (const chatId of ['12025550123@c.us', '120363000000000001@g.us']) {
          const sent = await client.sendText({
            session: 'ids',
            chatId,
            text: `${engine} ${chatId}`,
          });
          const accepted = emulator.messages().find((m) => m.text === `${engine} ${chatId}`);
          assert.ok(accepted);
          assert.equal(sent.id, accepted.id);
          assert.ok(sent.id?.startsWith(`true_${chatId}_`), sent.id ?? 'null');
        }
      } finally {
        await client.close();
        await emulator.close();
      }
    });
  }
});
