import { writeFile } from 'node:fs/promises';
import { createDb } from './client.ts';
import { migrateToLatest } from './migrate.ts';
import { dumpSchema } from './schema-dump.ts';

// `pnpm db:schema`: migrates DATABASE_URL (an empty scratch database) and rewrites schema.sql, the
// reviewed snapshot that a test compares with what the migrations produce.
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL (an empty scratch database) is required');
  process.exit(2);
}
const db = createDb({ connectionString: url, max: 1 });
try {
  await migrateToLatest(db);
} finally {
  await db.destroy();
}
await writeFile(new URL('../schema.sql', import.meta.url), await dumpSchema(url));
console.log('wrote packages/db/schema.sql');
