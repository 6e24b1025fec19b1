import { fileURLToPath } from 'node:url';
import { HeraldError } from '@herald/domain';
import express, { type Router } from 'express';
import { contentSecurityPolicy, DASHBOARD_CSP } from './security-headers.ts';

/**
 * Where `apps/web` writes its build (`pnpm --filter @herald/web build`, run by `npm start`,
 * `npm test` and the image build). A path on disk, not an import: the gateway only serves files.
 */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const notBuilt = () =>
  new HeraldError(
    'unavailable',
    'DASHBOARD_NOT_BUILT',
    'The dashboard is not built: run `pnpm --filter @herald/web build` (npm start does)',
  );

/**
 * Serves the dashboard's static files at /dashboard with their own CSP: scripts, styles and
 * images from this origin only (QR codes are data: URLs), API calls to this origin, no framing.
 * The page routes with the URL hash, so every page is /dashboard/ itself.
 */
export function serveDashboard(router: Router, dist = DASHBOARD_DIST): void {
  router.use('/dashboard', contentSecurityPolicy(DASHBOARD_CSP));
  router.get('/dashboard', (req, res, next) => {
    // Relative asset URLs resolve against /dashboard/, not /.
    if (req.path === '/dashboard') return res.redirect(301, '/dashboard/');
    next();
  });
  router.use(
    '/dashboard',
    express.static(dist, { index: 'index.html', fallthrough: true, redirect: false }),
  );
  // Reached only when the static files did not answer: no build yet.
  router.get('/dashboard/', (_req, _res, next) => next(notBuilt()));
}
