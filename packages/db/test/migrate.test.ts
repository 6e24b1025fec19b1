import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONSERVATIVE_POLICY, resolvePolicy, SenderPolicySchema } from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import { createDb, migrateToLatest, migrationsInOrder } from '../src/index.ts';

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

test('a fresh install ships the conservative sender policy (test databases start with it off)', async () => {
  // A schema of its own stands for a fresh database: the migrations run into it from scratch.
  await sql`CREATE SCHEMA fresh_install`.execute(t.db);
  const url = new URL(t.url);
  url.searchParams.set('options', '-c search_path=fresh_install');
  const db = createDb({ connectionString: url.toString(), max: 1 });
  try {
    // The migrations' own steps (kysely's Migrator bookkeeping is tied to the public schema).
    for (const migration of migrationsInOrder()) await migration.up(db as Kysely<unknown>);
    const row = await db.selectFrom('sender_policy').select('policy').executeTakeFirstOrThrow();
    assert.deepEqual(
      resolvePolicy(SenderPolicySchema.parse(row.policy), null),
      CONSERVATIVE_POLICY,
    );
  } finally {
    await db.destroy();
  }
  const off = await t.db.selectFrom('sender_policy').select('policy').executeTakeFirstOrThrow();
  assert.deepEqual(off.policy, {});
});
