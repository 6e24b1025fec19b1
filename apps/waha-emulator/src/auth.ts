import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { generateApiKey } from './ids.ts';

// Values WAHA treats as "no key": it generates a random one at boot instead (src/core/auth/config.ts).
const WEAK_KEYS = new Set([
  '',
  '123',
  '321',
  'waha',
  'admin',
  '00000000000000000000000000000000',
  '11111111111111111111111111111111',
]);

export interface ResolvedApiKey {
  key: string | null;
  generated: boolean;
}

/** `null` disables auth; `undefined` or a weak key is replaced by a generated one, as WAHA does. */
export function resolveApiKey(option: string | null | undefined): ResolvedApiKey {
  if (option === null) return { key: null, generated: false };
  if (option === undefined || WEAK_KEYS.has(option)) {
    return { key: generateApiKey(), generated: true };
  }
  return { key: option, generated: false };
}

/** The routes WAHA's auth middleware covers: `api`, `health` and `ws`, with everything below them. */
export function isAuthCovered(path: string): boolean {
  return /^\/(api|health|ws)(\/|$)/i.test(path);
}

/** Builds the key check: plain keys or `sha512:<hex>`, always compared in constant time. */
export function createKeyCheck(key: string | null): (req: IncomingMessage, url: URL) => boolean {
  if (key === null) return () => true;
  const hashed = key.startsWith('sha512:') ? key.slice('sha512:'.length).toLowerCase() : null;
  return (req, url) => {
    const header = req.headers['x-api-key'];
    const provided =
      (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('x-api-key') ?? '';
    if (!provided) return false;
    if (hashed !== null) {
      return compareConstantTime(createHash('sha512').update(provided).digest('hex'), hashed);
    }
    return compareConstantTime(provided, key);
  };
}

function compareConstantTime(provided: string, stored: string): boolean {
  const a = Buffer.from(provided);
  const b = Buffer.from(stored);
  if (a.length !== b.length) {
    // Still spend a comparison so a wrong length costs the same as a wrong key.
    timingSafeEqual(a, Buffer.alloc(a.length));
    return false;
  }
  return timingSafeEqual(a, b);
}

export const UNAUTHORIZED_BODY = { message: 'Unauthorized', statusCode: 401 };
