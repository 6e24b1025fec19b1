import type { RequestHandler } from 'express';

/** The API answers JSON only: it needs to load, frame or run nothing. */
export const API_CSP =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Swagger UI: its scripts and stylesheet are served from /docs, but it writes inline styles and
 * data: images, and "Try it out" calls this origin.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The dashboard (apps/web): its own bundle, stylesheet and data: images (QR codes); it calls and
 * streams from this origin. No inline script or style (the page sets styles through the DOM).
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Headers every response carries, errors and 404s included. The CSP is the API's; a route that
 * serves a page (/docs, later a dashboard) sets its own with `contentSecurityPolicy`.
 */
export const securityHeaders: RequestHandler = (req, res, next) => {
  res.set({
    'Content-Security-Policy': API_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  });
  // Only over HTTPS (directly or, with TRUST_PROXY, behind a TLS proxy): HSTS over plain HTTP
  // is ignored by browsers and would pin a local http:// install.
  if (req.secure) res.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  next();
};

/** Replaces the default CSP for the routes it is mounted on. */
export function contentSecurityPolicy(policy: string): RequestHandler {
  return (_req, res, next) => {
    res.set('Content-Security-Policy', policy);
    next();
  };
}
