export * from '@herald/db/testing';
export * from './campaigns.ts';
export * from './dispatcher-command.ts';
export * from './emulator-session.ts';
export * from './process.ts';
export * from './wait-for.ts';
