import { countHits, peekHits, type RateBucket } from '@herald/db';
import { createPhoneNormalizer, type PhoneNormalizer, rateLimited } from '@herald/domain';
import type { Request } from 'express';
import type { AppDeps } from '../deps.ts';
import { senderOfToken, senderTokenRequired } from '../services/sender-tokens.ts';
import {
  type AdminKeyCheck,
  adminKeyCheck,
  adminKeyInvalid,
  adminKeyOf,
  adminKeyRequired,
  type GuardedRoute,
  type RequestGuard,
  senderTokenOf,
} from './auth.ts';

/**
 * Admits a request or refuses it, before its input is parsed: admin keys (wrong ones throttled
 * per client address and logged with it), sender tokens (any token presented is verified; in
 * token mode one is required), and the user rate limits, all counted in Postgres so that every
 * gateway process shares them.
 */
export function createRequestGuard(deps: AppDeps): RequestGuard {
  const checkKey = adminKeyCheck(deps.adminKeyHash);
  const normalize = createPhoneNormalizer(deps.config.defaultCountry);
  return async (req, route) => {
    if (route.signed) return { kind: 'user', sender: null };
    const key = adminKeyOf(req);
    if (key !== undefined) {
      await admitAdminKey(deps, req, key, checkKey);
      return { kind: 'admin' };
    }
    if (route.access === 'admin') {
      deps.logger.warn('admin request without a key', authFailure(req));
      throw adminKeyRequired();
    }
    await countUserRequest(deps, req, route, normalize);
    const token = senderTokenOf(req);
    const sender = token === undefined ? null : await senderOfToken(deps, token);
    if (sender === null && deps.config.userAuth === 'token' && !route.tokenOptional) {
      throw senderTokenRequired();
    }
    return { kind: 'user', sender };
  };
}

const authFailure = (req: Request) => ({
  clientAddress: req.ip,
  method: req.method,
  path: req.path,
  requestId: req.id,
});

/**
 * A client address that gave too many wrong keys this minute is refused before its key is even
 * compared, so guessing costs a minute per ADMIN_AUTH_FAILURES_PER_MINUTE attempts.
 */
async function admitAdminKey(deps: AppDeps, req: Request, key: string, check: AdminKeyCheck) {
  const limit = deps.config.adminAuthFailuresPerMinute;
  const bucket = `admin-fail:${req.ip}`;
  if (limit > 0) {
    const seen = await peekHits(deps.db, bucket, 60);
    if (seen.hits >= limit) {
      deps.logger.warn('admin authentication throttled', authFailure(req));
      throw rateLimited('Too many wrong admin keys from this address', retrySeconds(seen.resetsIn));
    }
  }
  if (check(key)) return;
  if (limit > 0) await countHits(deps.db, [{ key: bucket, limit, windowSeconds: 60 }]);
  deps.logger.warn('admin authentication failed', authFailure(req));
  throw adminKeyInvalid();
}

/** One upsert counts the request against every limit that applies to it. */
async function countUserRequest(
  deps: AppDeps,
  req: Request,
  route: GuardedRoute,
  normalize: PhoneNormalizer,
) {
  const { config } = deps;
  const buckets: RateBucket[] = [];
  if (config.rateLimitPerMinute > 0) {
    buckets.push({ key: `ip:${req.ip}`, limit: config.rateLimitPerMinute, windowSeconds: 60 });
  }
  const sender = namedSender(req, normalize);
  if (sender !== null && config.senderRateLimitPerMinute > 0) {
    buckets.push({
      key: `sender:${sender}`,
      limit: config.senderRateLimitPerMinute,
      windowSeconds: 60,
    });
  }
  if (route.createsSession && config.sessionCreateLimitPerHour > 0) {
    buckets.push({
      key: `session-create:${req.ip}`,
      limit: config.sessionCreateLimitPerHour,
      windowSeconds: 3600,
    });
  }
  const counts = await countHits(deps.db, buckets);
  const over = counts.filter((c) => c.hits > (buckets.find((b) => b.key === c.key)?.limit ?? 0));
  if (over.length === 0) return;
  const wait = Math.max(...over.map((c) => c.resetsIn));
  deps.logger.warn('rate limit reached', {
    clientAddress: req.ip,
    limits: over.map((c) => c.key.split(':')[0]),
  });
  throw rateLimited('Too many requests; wait before trying again', retrySeconds(wait));
}

const retrySeconds = (seconds: number) => Math.max(1, Math.ceil(seconds));

/**
 * The sender number a user request is about, read from the raw request (it is counted before it
 * is parsed): path, body, query or X-Sender-Number. Null when none is named or it is not a number.
 */
function namedSender(req: Request, normalize: PhoneNormalizer): string | null {
  const body: unknown = req.body;
  const fromBody =
    typeof body === 'object' && body !== null && !Buffer.isBuffer(body)
      ? ((body as Record<string, unknown>).sender_number ??
        (body as Record<string, unknown>).phone_number)
      : undefined;
  const candidates = [
    req.params.phone_number,
    req.params.sender_number,
    fromBody,
    req.query.sender_number,
    req.get('x-sender-number'),
  ];
  const raw = candidates.find((c): c is string => typeof c === 'string' && c !== '');
  if (raw === undefined || raw.length > 64) return null;
  return normalize(raw);
}
