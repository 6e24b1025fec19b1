import { createHash, randomBytes } from 'node:crypto';
import { afterEach } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { createDb } from '../client.ts';
import type { Database } from '../database.ts';
import { migrateToLatest } from '../migrate.ts';
import { ensureQueues } from '../queue.ts';
import { postgresServerUrl } from './postgres-server.ts';

export interface TestDatabase {
  /** Connection string of this test file's own database. */
  url: string;
  db: Kysely<Database>;
  /** Closes the pool and drops the database; kept instead when a test of this file failed. */
  drop(): Promise<void>;
}

// Each test file runs in its own process under `node --test`: a failed test marks the file, and
// its database is then kept for inspection (its name is printed) rather than dropped.
let aTestFailed = false;
if (process.env.NODE_TEST_CONTEXT) {
  afterEach((t) => {
    // TestContext has `passed` at run time; its typings only give it to suites.
    if ('passed' in t && t.passed === false) aTestFailed = true;
  });
}

// Bump when the template must be rebuilt for a reason the migration list does not show.
const TEMPLATE_REVISION = 3;

/**
 * A fresh database for one test file, cloned from a template that has Herald's migrations and
 * pg-boss's schema already applied: cloning takes tens of milliseconds, migrating takes seconds.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = await postgresServerUrl();
  const template = await ensureTemplate(serverUrl);
  const name = `herald_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(serverUrl, async (admin) => {
    // Clones of one template must not overlap: CREATE DATABASE refuses a busy template.
    await admin.query('SELECT pg_advisory_lock(4242001)');
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(4242001)');
    }
  });
  const url = withDatabase(serverUrl, name);
  const db = createDb({ connectionString: url, max: 10, applicationName: 'herald-test' });
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      if (aTestFailed) {
        process.stderr.write(`a test failed: its database ${name} is kept (${url})\n`);
        return;
      }
      await withAdmin(serverUrl, async (admin) => {
        // pg's Pool.end() resolves before its sockets are closed; a forced drop that kills a
        // connection nobody listens to any more would crash the test process.
        for (let i = 0; i < 100; i++) {
          const open = await admin.query(
            'SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
            [name, 'herald-test'],
          );
          if (!open.rowCount) break;
          await sleep(20);
        }
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

async function ensureTemplate(serverUrl: string): Promise<string> {
  const fingerprint = createHash('sha256')
    .update(`${TEMPLATE_REVISION}:${await migrationFingerprint()}`)
    .digest('hex')
    .slice(0, 12);
  const template = `herald_tpl_${fingerprint}`;
  await withAdmin(serverUrl, async (admin) => {
    await admin.query('SELECT pg_advisory_lock(4242000)');
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (exists.rowCount) return;
      const building = `${template}_build`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      await prepareTemplate(withDatabase(serverUrl, building));
      // The rename is atomic, so no process ever clones a half-built template.
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(4242000)');
    }
  });
  return template;
}

async function prepareTemplate(url: string): Promise<void> {
  const db = createDb({ connectionString: url, max: 1 });
  try {
    await migrateToLatest(db);
    // Tests start with the sender policy off (a fresh install's caps and jitter would make them
    // slow); a test that exercises the policy sets its own with `setSenderPolicy`.
    await db.updateTable('sender_policy').set({ policy: '{}' }).execute();
  } finally {
    await db.destroy();
  }
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, max: 1 });
  await boss.start();
  await ensureQueues(boss);
  await boss.stop({ graceful: false, close: true });
}

async function migrationFingerprint(): Promise<string> {
  const { readdir, readFile } = await import('node:fs/promises');
  const dir = new URL('../migrations/', import.meta.url);
  const files = (await readdir(dir)).sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update(await readFile(new URL(file, dir)));
  const { version } = (await import('pg-boss/package.json', { with: { type: 'json' } })).default;
  return hash.update(version).digest('hex');
}

async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
