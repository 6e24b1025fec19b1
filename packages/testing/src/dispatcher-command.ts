import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildService } from './service-build.ts';

const DISPATCHER_DIR = 'apps/dispatcher';
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface NodeCommand {
  /** Environment the command sets before `node` (e.g. MALLOC_ARENA_MAX). */
  env: Record<string, string>;
  /** Node's flags and the entry point, the entry relative to the repo's root. */
  nodeArgs: string[];
}

/**
 * Splits a package script of the form `[NAME=value ...] node [flags ...] entry` (no quoting):
 * what tests and the bench run to start a process exactly as the package starts it.
 */
export function parseNodeScript(script: string, packageDir: string): NodeCommand {
  const words = script.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let at = 0;
  for (; at < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[at] as string); at++) {
    const [name, ...value] = (words[at] as string).split('=');
    env[name as string] = value.join('=');
  }
  const entry = words[words.length - 1] as string;
  if (words[at] !== 'node' || at + 2 > words.length || entry.startsWith('-')) {
    throw new Error(`expected "[NAME=value ...] node [flags ...] entry", got "${script}"`);
  }
  return { env, nodeArgs: [...words.slice(at + 1, -1), `${packageDir}/${entry}`] };
}

/** The dispatcher's `build` script (its bundle), once per process. */
export const buildDispatcher = () => buildService('dispatcher');

/**
 * The dispatcher as deployed: its bundle, built first, and its package's `start` script, the
 * one place its Node flags and environment are written (docker-compose.yml repeats them).
 */
export async function deployedDispatcherCommand(): Promise<NodeCommand> {
  await buildDispatcher();
  const manifest = JSON.parse(
    await readFile(`${REPO_ROOT}${DISPATCHER_DIR}/package.json`, 'utf8'),
  ) as { scripts?: { start?: string } };
  const start = manifest.scripts?.start;
  if (!start) throw new Error(`${DISPATCHER_DIR}/package.json has no start script`);
  return parseNodeScript(start, DISPATCHER_DIR);
}
