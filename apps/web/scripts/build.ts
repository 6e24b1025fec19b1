import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Builds the dashboard into apps/web/dist: one bundle, one stylesheet, index.html. esbuild (already
 * in the tree under tsx) bundles Preact and the TypeScript in well under a second, so `npm start`
 * and `npm test` rebuild every time and the gateway never serves a stale page.
 */
export const WEB_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST = `${WEB_ROOT}dist/`;

export async function buildDashboard(): Promise<void> {
  await rm(DIST, { recursive: true, force: true });
  await mkdir(`${DIST}assets`, { recursive: true });
  await build({
    entryPoints: { app: `${WEB_ROOT}src/main.tsx`, styles: `${WEB_ROOT}src/styles.css` },
    outdir: `${DIST}assets`,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
  });
  await copyFile(`${WEB_ROOT}src/index.html`, `${DIST}index.html`);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildDashboard();
