// Test fixtures that need Herald's database: `@herald/db/testing`, re-exported by @herald/testing.
export * from './factories.ts';
export * from './test-database.ts';
export * from './turns.ts';
