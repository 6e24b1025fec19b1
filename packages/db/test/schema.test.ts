import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { dumpSchema } from '../src/schema-dump.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.drop());

/** pg_dump refuses a server newer than itself; such a machine cannot take this snapshot. */
async function pgDumpProblem(): Promise<string | null> {
  let version: string;
  try {
    version = execFileSync('pg_dump', ['--version'], { encoding: 'utf8' });
  } catch {
    return 'pg_dump is not installed';
  }
  const client = Number(/(\d+)\./.exec(version)?.[1]);
  const server = await sql<{ v: string }>`SHOW server_version_num`.execute(t.db);
  const serverMajor = Math.floor(Number(server.rows[0]?.v) / 10_000);
  return serverMajor > client
    ? `pg_dump ${client} cannot dump a Postgres ${serverMajor} server`
    : null;
}

test('the migrations produce exactly the reviewed schema.sql (regenerate with pnpm db:schema)', async (ctx) => {
  const problem = await pgDumpProblem();
  // CI must take the snapshot: a missing or too old pg_dump there is a failure, not a skip.
  if (problem && process.env.CI) assert.fail(`${problem} (CI is set)`);
  if (problem) return ctx.skip(problem);
  const expected = await readFile(new URL('../schema.sql', import.meta.url), 'utf8');
  assert.equal(await dumpSchema(t.url), expected);
});
