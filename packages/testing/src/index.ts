export * from './factories.ts';
export * from './process.ts';
export * from './test-database.ts';
export * from './wait-for.ts';
