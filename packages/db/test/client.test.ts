import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import { createDb, createPool } from '../src/client.ts';
import type { Database } from '../src/database.ts';
import { planOnce } from '../src/plan-once.ts';
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

describe('a transaction on a pool connection', () => {
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

describe('a statement planned once', () => {
  /** How the statements of this connection whose text starts with `prefix` were planned. */
  const plans = (db: Kysely<Database>, prefix: string) =>
    sql<{ generic_plans: number; custom_plans: number }>`
      SELECT generic_plans::int, custom_plans::int FROM pg_prepared_statements
      WHERE statement LIKE ${`${prefix}%`}`
      .execute(db)
      .then((r) => r.rows[0]);
  const planCacheMode = (db: Kysely<Database>) =>
    sql<{ plan_cache_mode: string }>`SHOW plan_cache_mode`
      .execute(db)
      .then((r) => r.rows[0]?.plan_cache_mode);

  it('is planned once for batches of every size, and the setting is back after it', async () => {
    const { db, trips } = countedDb();
    try {
      await sql`CREATE TABLE planned_once AS SELECT generate_series(1, 1000) AS id`.execute(db);
      await sql`CREATE UNIQUE INDEX ON planned_once (id)`.execute(db);
      await sql`ANALYZE planned_once`.execute(db);
      for (let n = 1; n <= 8; n += 1) {
        const ids = Array.from({ length: n }, (_, i) => i + 1);
        const before = trips();
        const once = await sql<{ id: number }>`${planOnce}
          SELECT id FROM planned_once WHERE id = ANY(${ids}::int[]) ORDER BY id`.execute(db);
        assert.equal(trips() - before, 1, 'the settings go in the same round trip');
        assert.deepEqual(
          once.rows.map((r) => r.id),
          ids,
        );
        await sql`SELECT id FROM planned_once WHERE id = ANY(${ids}::int[])`.execute(db);
      }
      assert.deepEqual(await plans(db, '/* plan once */'), { generic_plans: 8, custom_plans: 0 });
      const usual = await plans(db, 'SELECT id FROM planned_once');
      assert.ok((usual?.custom_plans ?? 0) >= 5, 'without it, Postgres plans each batch anew');
      assert.equal(await planCacheMode(db), 'auto');
    } finally {
      await db.destroy();
    }
  });

  it('leaves the setting as it was when it fails in a transaction, first or later', async () => {
    const { db } = countedDb();
    try {
      const failing = (trx: Kysely<Database>) =>
        sql`${planOnce} SELECT 1 / ${0}::int AS never`.execute(trx);
      await assert.rejects(db.transaction().execute(failing), /division by zero/);
      assert.equal(await planCacheMode(db), 'auto');
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await sql`SELECT 1`.execute(trx);
          await failing(trx);
        }),
        /division by zero/,
      );
      assert.equal(await planCacheMode(db), 'auto');
      const { rows } = await db
        .transaction()
        .execute((trx) => sql<{ v: number }>`${planOnce} SELECT ${7}::int AS v`.execute(trx));
      assert.deepEqual(rows, [{ v: 7 }], 'and the connection serves the next one');
    } finally {
      await db.destroy();
    }
  });
});
