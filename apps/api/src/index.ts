export * from './app.ts';
export * from './config.ts';
export type * from './deps.ts';
export * from './gateway.ts';
