export * from '@herald/db/testing';
export * from './campaigns.ts';
export * from './chaos.ts';
export * from './emulator-process.ts';
export * from './emulator-session.ts';
export * from './gateway-build.ts';
export * from './process.ts';
export * from './wait-for.ts';
