import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type pg from 'pg';
import { createPool } from '../src/client.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.drop());

async function backendPid(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return Number(rows[0]?.pid);
}

/** Terminates the server side of `client`'s connection, as a stopping server does. */
async function terminate(backendPid: number): Promise<void> {
  await sql`SELECT pg_terminate_backend(${backendPid})`.execute(t.db);
}

describe('a pool told of connection errors', () => {
  it('reports a connection the server closes while the pool is in use', async () => {
    const reported: Error[] = [];
    const pool = createPool({
      connectionString: t.url,
      onConnectionError: (e) => reported.push(e),
    });
    const client = await pool.connect();
    const pid = await backendPid(client);
    const broken = new Promise((done) => client.once('error', done));
    await terminate(pid);
    await broken;
    client.release(true);
    await pool.end();
    assert.equal(reported.length, 1);
    assert.match(String(reported[0]?.message), /terminating connection/);
  });

  it('does not report a connection the server closes while the pool is ending', async () => {
    const reported: Error[] = [];
    const pool = createPool({
      connectionString: t.url,
      onConnectionError: (e) => reported.push(e),
    });
    const client = await pool.connect();
    const pid = await backendPid(client);
    // The pool is closing (it waits for this client) when the server goes away at once.
    const ended = pool.end();
    const broken = new Promise((done) => client.once('error', done));
    await terminate(pid);
    await broken;
    client.release(true);
    await ended;
    assert.deepEqual(reported, [], 'a shutdown racing the server stop is not a lost connection');
  });
});
