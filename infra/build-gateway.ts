/**
 * `pnpm build`: bundles the gateway's own code (apps/api and the @herald packages it imports)
 * into apps/api/dist/main.js, with the npm dependencies left as imports. Running plain JavaScript
 * spares every gateway process the type-stripping compiler (its WebAssembly instance and the
 * compiled module sources: about 30 MiB of resident memory) and the compile at start.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { bundleApp, bundleFile, root } from './bundle.ts';

const manifest = JSON.parse(readFileSync(`${root}apps/api/package.json`, 'utf8')) as {
  dependencies: Record<string, string>;
};
// Workspace packages are bundled; every other dependency must be one of apps/api's own, so the
// bundle resolves it from apps/api/node_modules (a check at build time, not at start).
const npmPackages = Object.keys(manifest.dependencies).filter((n) => !n.startsWith('@herald/'));
const outfile = bundleFile('api');

await bundleApp('api', {
  external: npmPackages.flatMap((name) => [name, `${name}/*`]),
  plugins: [
    {
      name: 'dependencies-of-the-gateway',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('node:') || args.path.startsWith('@herald/')) return undefined;
          const name = args.path.startsWith('@')
            ? args.path.split('/').slice(0, 2).join('/')
            : (args.path.split('/')[0] as string);
          if (npmPackages.includes(name)) return { path: args.path, external: true };
          return {
            errors: [
              { text: `${name} is imported by the gateway but is not in apps/api/package.json` },
            ],
          };
        });
      },
    },
    {
      // A module that finds files next to itself (the dashboard's build) keeps its own URL in the
      // bundle: import.meta.url is rewritten to the source file's, relative to the bundle's.
      name: 'module-urls-of-the-sources',
      setup(b) {
        b.onLoad({ filter: /\/(apps|packages)\/[^/]+\/src\/.*\.ts$/ }, async (args) => {
          const source = await readFile(args.path, 'utf8');
          if (!source.includes('import.meta.url')) return undefined;
          const fromBundle = relative(dirname(outfile), args.path);
          const own = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
          return { contents: source.replaceAll('import.meta.url', own), loader: 'ts' };
        });
      },
    },
  ],
});
