export * from './env.ts';
export * from './strong-key.ts';
