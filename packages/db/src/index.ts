export * from './client.ts';
export type * from './database.ts';
export * from './migrate.ts';
export * from './queue.ts';
export * from './queries/delays.ts';
