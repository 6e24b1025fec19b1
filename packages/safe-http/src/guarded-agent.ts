import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { SafeHttpError } from './errors.ts';
import { assertPublicAddress, type HostPolicy } from './host-policy.ts';

export type Resolver = (
  hostname: string,
  callback: (error: Error | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (hostname, callback) =>
  dnsLookup(hostname, { all: true }, (error, addresses) => callback(error, addresses ?? []));

/**
 * At most `max` resolutions at once. The system resolver runs on libuv's small thread pool, which
 * zlib and fs share: names that resolve slowly, submitted in bulk, must not take all of it.
 */
export function limitLookups(resolve: Resolver, max: number): Resolver {
  let running = 0;
  const waiting: (() => void)[] = [];
  return (hostname, callback) => {
    const start = () => {
      running += 1;
      resolve(hostname, (error, addresses) => {
        running -= 1;
        waiting.shift()?.();
        callback(error, addresses);
      });
    };
    if (running < max) start();
    else waiting.push(start);
  };
}

/**
 * A `net.connect` lookup that resolves a name and refuses it when any of its addresses is not
 * public. The address checked is the address connected to: nothing can change in between.
 */
function guardedLookup(policy: HostPolicy, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, '', 0);
      try {
        if (!policy.isAllowedHost(hostname))
          for (const a of addresses) assertPublicAddress(a.address);
      } catch (refused) {
        return callback(refused as Error, '', 0);
      }
      const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
      const usable = addresses.filter((a) => wanted === 0 || a.family === wanted);
      const first = usable[0];
      if (!first) {
        return callback(new SafeHttpError('UNREACHABLE', 'The host has no address'), '', 0);
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, usable);
      return callback(null, first.address, first.family);
    });
  };
}

/** An undici Agent whose connections are checked; pass it as `dispatcher`, close it on shutdown. */
export type GuardedAgent = Agent;

export interface GuardedAgentOptions {
  policy: HostPolicy;
  connectTimeoutMs?: number;
  /** For tests: how names resolve (default: the system resolver, as `fetch` would). */
  resolve?: Resolver;
  /** Resolutions in flight at once (default 2 of libuv's 4 threads). */
  maxConcurrentLookups?: number;
}

/**
 * An undici Agent that checks every connection it opens, whatever led to it (the first request,
 * a redirect, a retry): IP literals before connecting, names at resolution. Use it as the
 * `dispatcher` of every request whose URL a user supplied.
 */
export function createGuardedAgent(options: GuardedAgentOptions): GuardedAgent {
  const { policy } = options;
  const connector = buildConnector({
    timeout: options.connectTimeoutMs ?? 10_000,
    lookup: guardedLookup(
      policy,
      limitLookups(options.resolve ?? systemResolver, options.maxConcurrentLookups ?? 2),
    ),
  });
  return new Agent({
    connect: (opts, callback) => {
      const host = opts.hostname.replace(/^\[(.*)\]$/, '$1');
      // net.connect does not call the lookup for an IP literal, so it is checked here.
      if (isIP(host) !== 0 && !policy.isAllowedHost(host)) {
        try {
          assertPublicAddress(host);
        } catch (refused) {
          callback(refused as Error, null);
          return;
        }
      }
      connector(opts, callback);
    },
  });
}
