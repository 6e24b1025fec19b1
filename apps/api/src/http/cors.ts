import type { RequestHandler } from 'express';

// Browsers call Herald from a Chrome extension (its pages and service worker have a
// chrome-extension:// origin) or from web origins an operator names. Only those get CORS headers;
// any other origin gets none, so a browser keeps its pages from reading Herald's answers.

/** `chrome-extension://*` (any id) or an exact origin such as `https://app.example.com`. */
export type CorsOriginRule = string;

/** Whether a CORS_ORIGINS entry is well-formed; used by the config schema. */
export function isCorsOriginRule(rule: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\/\*$/.test(rule)) return true;
  try {
    return new URL(rule).origin === rule;
  } catch {
    return false;
  }
}

export function originMatcher(rules: readonly CorsOriginRule[]): (origin: string) => boolean {
  const exact = new Set(rules.filter((r) => !r.endsWith('://*')));
  const schemes = rules.filter((r) => r.endsWith('://*')).map((r) => r.slice(0, -1));
  return (origin) =>
    exact.has(origin) ||
    schemes.some(
      (prefix) =>
        origin.startsWith(prefix) && /^[A-Za-z0-9-]{1,64}$/.test(origin.slice(prefix.length)),
    );
}

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = [
  'Content-Type',
  'Authorization',
  'X-Sender-Token',
  'X-Sender-Number',
  'X-Admin-Token',
  'X-Admin-API-Key',
  'X-Request-Id',
  'Idempotency-Key',
  'Last-Event-ID',
].join(', ');
const EXPOSED_HEADERS = 'X-Total-Count, X-Request-Id, Retry-After, Location';

/**
 * Answers preflights (204) and adds CORS headers to the responses of allowed origins. Nothing
 * uses cookies, so credentials are never allowed.
 */
export function corsHeaders(rules: readonly CorsOriginRule[]): RequestHandler {
  const allowed = originMatcher(rules);
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    const ok = origin !== undefined && allowed(origin);
    if (ok) {
      res.set('Access-Control-Allow-Origin', origin);
      res.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    const preflight = req.method === 'OPTIONS' && req.get('access-control-request-method');
    if (!preflight) return next();
    if (ok) {
      res.set('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.set('Access-Control-Max-Age', '600');
      // Chrome's Private Network Access: a public page's extension calling a Herald on the LAN.
      if (req.get('access-control-request-private-network') === 'true') {
        res.set('Access-Control-Allow-Private-Network', 'true');
      }
    }
    // A refused origin's preflight is answered too, without CORS headers: the browser stops there.
    res.status(204).end();
  };
}
