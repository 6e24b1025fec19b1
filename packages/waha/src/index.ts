export { createWahaClient, normalizeBaseUrl } from './client.ts';
export { createWahaClientCache, type WahaClientCache } from './client-cache.ts';
export { isWahaError, WahaError, type WahaErrorCode } from './errors.ts';
export { extractMessageId } from './message-id.ts';
export type { ChatMessage } from './schemas.ts';
export type * from './types.ts';
export * from './webhook-events.ts';
export {
  PROBE_TIMEOUT_MS,
  type ProbeResult,
  probeWorker,
  workerCannotServe,
  workerDidNotAnswer,
} from './worker-health.ts';
