import { createTestDatabase, type TestDatabase } from '@herald/testing';
import type { Cleanup } from './lifecycle.ts';

/** A fresh database (migrated, empty) for one scenario, dropped when its cleanup runs. */
export async function freshDatabase(cleanup: Cleanup, what = 'the test database') {
  const database: TestDatabase = await createTestDatabase();
  cleanup.defer(`drop ${what}`, () => database.drop());
  return database;
}

/** A process or server a scenario started, stopped when its cleanup runs. */
export function stoppedAtCleanup<T extends { stop(): unknown }>(
  cleanup: Cleanup,
  what: string,
  resource: T,
): T {
  cleanup.defer(`stop ${what}`, () => resource.stop());
  return resource;
}
