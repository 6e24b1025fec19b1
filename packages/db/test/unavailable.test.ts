import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { isDatabaseUnavailable } from '../src/unavailable.ts';

// Real failures of a real server, told apart from failures of the request itself.
let t: TestDatabase;
const role = `herald_nobody_${randomBytes(4).toString('hex')}`;
before(async () => {
  t = await createTestDatabase();
  await sql.raw(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 0`).execute(t.db);
});
after(async () => {
  await sql.raw(`DROP ROLE IF EXISTS ${role}`).execute(t.db);
  await t.drop();
});

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  assert.fail('expected a failure');
}

async function connectAs(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } finally {
    await client.end().catch(() => {});
  }
}

describe('a database that cannot take requests', () => {
  it('is a server refusing more connections (53300)', async () => {
    const url = new URL(t.url);
    url.username = role;
    const error = await failureOf(() => connectAs(url.toString()));
    assert.equal((error as { code?: string }).code, '53300');
    assert.equal(isDatabaseUnavailable(error), true);
  });

  it('is a server nobody listens for', async () => {
    const error = await failureOf(() => connectAs('postgres://postgres@127.0.0.1:1/none'));
    assert.equal(isDatabaseUnavailable(error), true);
  });

  it('is a connection the server terminates', async () => {
    const client = new pg.Client({ connectionString: t.url });
    client.on('error', () => {});
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const sleeping = failureOf(() => client.query('SELECT pg_sleep(30)'));
    await sql`SELECT pg_terminate_backend(${rows[0]?.pid})`.execute(t.db);
    assert.equal(isDatabaseUnavailable(await sleeping), true);
    await client.end().catch(() => {});
  });

  it('is not a request the database rejects', async () => {
    const syntax = await failureOf(() => sql.raw('SELEC 1').execute(t.db));
    const missing = await failureOf(() => sql.raw('SELECT * FROM no_such_table').execute(t.db));
    assert.equal(isDatabaseUnavailable(syntax), false);
    assert.equal(isDatabaseUnavailable(missing), false);
    assert.equal(isDatabaseUnavailable(new Error('boom')), false);
    assert.equal(isDatabaseUnavailable('53300'), false);
  });
});
