import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.drop());

test('a cloned test database has every table and applying migrations again is a no-op', async () => {
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`.execute(
    t.db,
  );
  const names = tables.rows.map((r) => r.table_name);
  for (const table of [
    'campaigns',
    'delay_settings',
    'messages',
    'senders',
    'sessions',
    'workers',
  ]) {
    assert.ok(names.includes(table), `missing ${table}`);
  }
  assert.deepEqual(await migrateToLatest(t.db), []);
});

test('campaign counters must always add up to the total', async () => {
  await t.db.insertInto('senders').values({ phone_number: '21620000001' }).execute();
  await assert.rejects(
    t.db
      .insertInto('campaigns')
      .values({
        sender_number: '21620000001',
        template: 'x',
        total_messages: 2,
        pending_messages: 1,
      })
      .execute(),
    /check constraint/,
  );
});
