import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
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
  // Built aside, then each file renamed into place (atomic, over the old one): test files that
  // build at once, or a gateway serving the last build, never see a missing or half-written file.
  const staging = await mkdtemp(`${WEB_ROOT}.dist-`);
  try {
    await mkdir(join(staging, 'assets'));
    await build({
      entryPoints: { app: `${WEB_ROOT}src/main.tsx`, styles: `${WEB_ROOT}src/styles.css` },
      outdir: join(staging, 'assets'),
      bundle: true,
      minify: true,
      format: 'esm',
      target: ['es2022'],
      jsx: 'automatic',
      jsxImportSource: 'preact',
      logLevel: 'warning',
    });
    await copyFile(`${WEB_ROOT}src/index.html`, join(staging, 'index.html'));
    for (const file of await readdir(staging, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const target = join(DIST, relative(staging, join(file.parentPath, file.name)));
      await mkdir(dirname(target), { recursive: true });
      await rename(join(file.parentPath, file.name), target);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await buildDashboard();
