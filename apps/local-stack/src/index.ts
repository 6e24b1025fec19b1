export * from './embedded-postgres.ts';
export * from './local-stack.ts';
