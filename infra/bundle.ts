/**
 * The build both services share: esbuild bundles `apps/<app>/src/main.ts` into
 * `apps/<app>/dist/main.js` (ES module for Node 24, linked source map), written aside and
 * renamed, then reports the size. Each service's script adds only what is its own.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Where an app's bundle goes. */
export const bundleFile = (app: string) => `${root}apps/${app}/dist/main.js`;

export async function bundleApp(app: string, own: BuildOptions): Promise<void> {
  const outfile = bundleFile(app);
  const result = await build({
    entryPoints: [`${root}apps/${app}/src/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: 'linked',
    logLevel: 'warning',
    ...own,
    write: false,
  });
  const code = result.outputFiles.find((file) => file.path === outfile);
  const unprintable = code?.text.match(/.{0,40}[^ -~\t\n\r].{0,20}/);
  if (unprintable) {
    // `charset: 'ascii'` escapes strings, but not a tagged template's raw text (an SQL comment).
    throw new Error(
      `apps/${app}: text beyond printable ASCII in the bundle (non-ASCII makes V8 hold all of it as a two-byte string, 3 MiB more per process): "${unprintable[0]}"`,
    );
  }
  // Written aside, then renamed: tests build in several processes at once, and a process starting
  // the service meanwhile must read a whole file, never a half-written one.
  mkdirSync(dirname(outfile), { recursive: true });
  let bytes = 0;
  for (const file of result.outputFiles) {
    const aside = `${file.path}.${process.pid}.tmp`;
    writeFileSync(aside, file.contents);
    renameSync(aside, file.path);
    bytes += file.contents.byteLength;
  }
  console.log(`apps/${app}/dist/main.js: ${(bytes / 1024).toFixed(0)} KiB with its source map`);
}
