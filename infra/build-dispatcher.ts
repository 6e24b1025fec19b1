/**
 * `pnpm --filter @herald/dispatcher build`: bundles the dispatcher (its code, the @herald packages
 * and the npm packages it imports) into apps/dispatcher/dist/main.js. Plain JavaScript spares
 * each dispatcher the type-stripping compiler (a WebAssembly instance and the module sources it
 * keeps: 20-50 MiB of resident memory, BENCHMARKS.md section 11) and the compile at start.
 */
import { bundleApp, root } from './bundle.ts';

await bundleApp('dispatcher', {
  // Smaller source kept in memory; identifiers stay as written, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  // Licences go to main.js.LEGAL.txt: one non-ASCII letter in a comment makes V8 hold the whole
  // source as a two-byte string (6.5 MiB of heap instead of 3.2).
  legalComments: 'linked',
  charset: 'ascii',
  // pg's optional native binding is never installed; pg falls back to JavaScript without it.
  external: ['pg-native'],
  // Only the parts of undici the dispatcher uses (undici-lean.ts says why). A plugin, not
  // `alias`: an alias would also redirect that file's own imports of undici's modules.
  plugins: [
    {
      name: 'undici-lean',
      setup(build) {
        build.onResolve({ filter: /^undici$/ }, () => ({
          path: `${root}packages/waha/src/undici-lean.ts`,
        }));
      },
    },
  ],
  // CommonJS packages in an ES module bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
