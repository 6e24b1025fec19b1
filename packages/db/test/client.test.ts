import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type pg from 'pg';
import { createDb, createPool } from '../src/client.ts';
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

describe('a pool that prepares its statements', () => {
  it('prepares each text once per connection, up to its limit, and answers as before', async () => {
    const db = createDb({ connectionString: t.url, max: 1, preparedStatements: 2 });
    try {
      const prepared = () =>
        sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements`
          .execute(db)
          .then((r) => r.rows[0]?.n);
      for (let i = 0; i < 3; i++) {
        const { rows } = await sql<{ v: number }>`SELECT ${i}::int AS v`.execute(db);
        assert.equal(rows[0]?.v, i);
      }
      // The SELECT above and the count itself: two texts, the limit.
      assert.equal(await prepared(), 2);
      const { rows } = await sql<{ v: string }>`SELECT ${'beyond'}::text AS v`.execute(db);
      assert.equal(rows[0]?.v, 'beyond', 'a text beyond the limit runs unnamed');
      assert.equal(await prepared(), 2);
    } finally {
      await db.destroy();
    }
  });
  it('prepares a text again once a change of columns made its statement fail', async () => {
    const db = createDb({ connectionString: t.url, max: 1, preparedStatements: 10 });
    try {
      await sql`CREATE TABLE prepared_columns (a int)`.execute(db);
      const readAll = () => sql`SELECT * FROM prepared_columns`.execute(db);
      await readAll();
      await sql`ALTER TABLE prepared_columns ADD COLUMN b int`.execute(db);
      await assert.rejects(readAll(), /cached plan must not change result type/);
      const { rows } = await sql`INSERT INTO prepared_columns VALUES (1, 2) RETURNING *`.execute(
        db,
      );
      assert.deepEqual(rows, [{ a: 1, b: 2 }]);
      assert.deepEqual((await readAll()).rows, [{ a: 1, b: 2 }], 'prepared again, and answers');
    } finally {
      await db.destroy();
    }
  });
});

describe('a transaction on a pool connection', () => {
  /** A one-connection pool and the round trips its connection made (one ReadyForQuery each). */
  function countedDb() {
    const pool = createPool({ connectionString: t.url, max: 1, preparedStatements: 10 });
    let trips = 0;
    pool.on('connect', (client) => {
      (client as unknown as { connection: pg.Connection }).connection.on('readyForQuery', () => {
        trips += 1;
      });
    });
    return { db: createDb({ pool }), trips: () => trips };
  }

  it('sends its BEGIN with its first statement, and commits what it wrote', async () => {
    const { db, trips } = countedDb();
    try {
      await sql`CREATE TABLE folded_begin (v int)`.execute(db);
      const before = trips();
      await db.transaction().execute(async (trx) => {
        await sql`INSERT INTO folded_begin VALUES (${1})`.execute(trx);
        await sql`INSERT INTO folded_begin VALUES (${2})`.execute(trx);
      });
      assert.equal(trips() - before, 3, 'BEGIN and the first insert, the second insert, COMMIT');
      const { rows } = await sql<{ v: number }>`SELECT v FROM folded_begin ORDER BY v`.execute(
        t.db,
      );
      assert.deepEqual(rows, [{ v: 1 }, { v: 2 }]);
    } finally {
      await db.destroy();
    }
  });

  it('rolls back from a failed first statement, and the connection serves the next one', async () => {
    const { db } = countedDb();
    try {
      await sql`CREATE TABLE folded_failure (v int PRIMARY KEY)`.execute(db);
      await sql`INSERT INTO folded_failure VALUES (1)`.execute(db);
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await sql`INSERT INTO folded_failure VALUES (${1})`.execute(trx);
        }),
        /duplicate key/,
      );
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await sql`INSERT INTO folded_failure VALUES (${2})`.execute(trx);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      const { rows } = await sql<{ v: number }>`SELECT v FROM folded_failure`.execute(db);
      assert.deepEqual(rows, [{ v: 1 }], 'neither transaction left a row');
      const status = (
        await db.connection().execute((c) => sql<{ s: string }>`SELECT 1 AS s`.execute(c))
      ).rows;
      assert.equal(status.length, 1);
    } finally {
      await db.destroy();
    }
  });

  it('sends nothing for a transaction that ran no statement', async () => {
    const { db, trips } = countedDb();
    try {
      await sql`SELECT 1`.execute(db);
      const before = trips();
      await db.transaction().execute(async () => {});
      await assert.rejects(
        db.transaction().execute(async () => {
          throw new Error('before any statement');
        }),
        /before any statement/,
      );
      assert.equal(trips() - before, 0);
    } finally {
      await db.destroy();
    }
  });

  it('prepares a first statement again once its parse failed', async () => {
    const { db } = countedDb();
    try {
      await sql`CREATE TABLE folded_parse (a int)`.execute(db);
      const readB = () =>
        db
          .transaction()
          .execute((trx) => sql<{ b: number }>`SELECT b FROM folded_parse`.execute(trx));
      await assert.rejects(readB(), /column "b" does not exist/);
      await sql`ALTER TABLE folded_parse ADD COLUMN b int`.execute(db);
      await sql`INSERT INTO folded_parse VALUES (1, 2)`.execute(db);
      assert.deepEqual((await readB()).rows, [{ b: 2 }]);
    } finally {
      await db.destroy();
    }
  });
});
