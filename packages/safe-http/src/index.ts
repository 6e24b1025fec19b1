export { type AddressClass, classifyAddress, normalizeHost } from './address.ts';
export { type Downloaded, type DownloadLimits, downloadBounded } from './download.ts';
export { SafeHttpError, type SafeHttpErrorCode } from './errors.ts';
export {
  createGuardedAgent,
  type GuardedAgent,
  type GuardedAgentOptions,
  limitLookups,
  type Resolver,
} from './guarded-agent.ts';
export { assertPublicAddress, checkUrl, createHostPolicy, type HostPolicy } from './host-policy.ts';
