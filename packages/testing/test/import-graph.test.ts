import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The structure rules of the repository, checked on every test run: no import cycle anywhere,
// packages never import an app, nothing reaches into another workspace member by a relative
// path, and no cycle between workspace members' package.json dependencies.

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

interface Member {
  name: string;
  dir: string;
  kind: 'apps' | 'packages';
  exports: Record<string, string>;
  dependsOn: string[];
}

function readMembers(): Member[] {
  return ['apps', 'packages'].flatMap((kind) =>
    readdirSync(join(ROOT, kind)).flatMap((entry) => {
      const dir = join(ROOT, kind, entry);
      const file = join(dir, 'package.json');
      if (!statSync(dir).isDirectory() || !safeExists(file)) return [];
      const json = JSON.parse(readFileSync(file, 'utf8')) as {
        name: string;
        exports?: Record<string, string>;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const deps = { ...json.dependencies, ...json.devDependencies };
      return [
        {
          name: json.name,
          dir,
          kind: kind as Member['kind'],
          exports: json.exports ?? {},
          dependsOn: Object.keys(deps).filter((d) => deps[d]?.startsWith('workspace:')),
        },
      ];
    }),
  );
}

function safeExists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return Array.from(text.matchAll(SPECIFIER), (m) => m[1] ?? m[2] ?? '').filter(Boolean);
}

const members = readMembers();
const byName = new Map(members.map((m) => [m.name, m]));
const memberOf = (file: string) => members.find((m) => file.startsWith(`${m.dir}/`));
const files = members.flatMap((m) =>
  ['src', 'test'].flatMap((sub) => (isDir(join(m.dir, sub)) ? sourceFiles(join(m.dir, sub)) : [])),
);

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The file an import names inside the workspace, or null for Node and npm modules. */
function resolveImport(from: string, specifier: string): string | null {
  if (specifier.startsWith('.')) return resolve(dirname(from), specifier);
  const match = /^(@herald\/[^/]+)(\/.*)?$/.exec(specifier);
  if (!match) return null;
  const member = byName.get(match[1] ?? '');
  const target = member?.exports[`.${match[2] ?? ''}`];
  assert.ok(
    member && target,
    `${relative(ROOT, from)} imports ${specifier}, which no member exports`,
  );
  return resolve(member.dir, target);
}

const graph = new Map<string, string[]>(
  files.map((file) => [
    file,
    specifiers(file)
      .map((s) => resolveImport(file, s))
      .filter((target): target is string => target !== null),
  ]),
);

function findCycle(edges: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('the import graph', () => {
  it('has no cycle, type-only imports included', () => {
    const cycle = findCycle(graph);
    assert.equal(cycle, null, `import cycle: ${cycle?.map((f) => relative(ROOT, f)).join(' -> ')}`);
  });

  it('has packages that import no app, in their sources or their tests', () => {
    const offending = [...graph].flatMap(([file, targets]) =>
      memberOf(file)?.kind === 'packages'
        ? targets
            .filter((t) => memberOf(t)?.kind === 'apps')
            .map((t) => `${relative(ROOT, file)} -> ${relative(ROOT, t)}`)
        : [],
    );
    assert.deepEqual(offending, []);
  });

  it('crosses from one workspace member to another only through its package entry', () => {
    const offending = [...files].flatMap((file) =>
      specifiers(file)
        .filter((s) => s.startsWith('.'))
        .filter((s) => memberOf(resolve(dirname(file), s)) !== memberOf(file))
        .map((s) => `${relative(ROOT, file)} imports ${s}`),
    );
    assert.deepEqual(offending, []);
  });

  it('has no cycle between the workspace members’ dependencies', () => {
    const edges = new Map(members.map((m) => [m.name, m.dependsOn]));
    assert.equal(findCycle(edges), null);
  });

  it('sees the whole tree', () => {
    assert.ok(members.length >= 10, `found ${members.length} workspace members`);
    assert.ok(files.length > 100, `found ${files.length} source files`);
  });
});
