import { classifyAddress, normalizeHost } from './address.ts';
import { SafeHttpError } from './errors.ts';

/**
 * Which hosts a guarded request may reach: any public address, plus the hosts an admin allowed
 * by name (exact, case-insensitive; an IP literal in any spelling). An allowed name may resolve
 * to an internal address: that is what allowing it is for.
 */
export interface HostPolicy {
  isAllowedHost(host: string): boolean;
}

export function createHostPolicy(allowedHosts: readonly string[] = []): HostPolicy {
  const allowed = new Set(
    allowedHosts.map((h) => normalizeHost(h.trim())).filter((h): h is string => !!h),
  );
  return {
    isAllowedHost: (host) => {
      const normalized = normalizeHost(host);
      return normalized !== null && allowed.has(normalized);
    },
  };
}

/** Refuses an address (already resolved or an IP literal) that is not public. */
export function assertPublicAddress(address: string): void {
  const cls = classifyAddress(address);
  if (cls !== null && cls !== 'public') {
    throw new SafeHttpError('BLOCKED_ADDRESS', `The host resolves to a ${cls} address`);
  }
}

/**
 * The checks a URL must pass before any connection: http(s), no user:password@, a valid host,
 * and not an internal IP literal unless allowed. Names are checked again when they resolve.
 */
export function checkUrl(text: string, policy: HostPolicy): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SafeHttpError('INVALID_URL', 'The URL is not valid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SafeHttpError('INVALID_URL', 'Only http and https URLs are accepted');
  }
  if (url.username !== '' || url.password !== '') {
    throw new SafeHttpError('INVALID_URL', 'URLs with a user name or password are not accepted');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new SafeHttpError('INVALID_URL', 'The URL has no host');
  if (!policy.isAllowedHost(host)) assertPublicAddress(host);
  return url;
}
