import { createDb } from './client.ts';
import { migrateToLatest } from './migrate.ts';

// `pnpm migrate`: applies Herald's migrations to DATABASE_URL. pg-boss migrates its own schema
// when a gateway or dispatcher starts.
const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  console.error('DATABASE_URL is required');
  process.exit(2);
}
const db = createDb({ connectionString, max: 1 });
try {
  const applied = await migrateToLatest(db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
} finally {
  await db.destroy();
}
