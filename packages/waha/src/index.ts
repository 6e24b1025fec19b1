export { createWahaClient } from './client.ts';
export { createWahaClientCache, type WahaClientCache } from './client-cache.ts';
export { isWahaError, WahaError, type WahaErrorCode } from './errors.ts';
export { extractMessageId } from './message-id.ts';
export type * from './types.ts';
