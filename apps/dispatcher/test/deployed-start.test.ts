import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { buildDispatcher, deployedDispatcherCommand, parseNodeScript } from '@herald/testing';

const root = new URL('../../../', import.meta.url);

/** The `dispatcher` service of docker-compose.yml: its command and its own environment lines. */
async function composeDispatcher(): Promise<{ command: string[]; env: Record<string, string> }> {
  const compose = await readFile(new URL('docker-compose.yml', root), 'utf8');
  const start = compose.indexOf('\n  dispatcher:\n');
  assert.ok(start >= 0, 'docker-compose.yml has a dispatcher service');
  const rest = compose.slice(start + 1);
  const next = rest.slice(1).search(/\n {2}\S/);
  const block = next < 0 ? rest : rest.slice(0, next + 1);
  const commandText = block.slice(block.indexOf('command:'), block.indexOf('healthcheck:'));
  const command = [...commandText.matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
  const env: Record<string, string> = {};
  for (const m of block.matchAll(/^ {6}([A-Z_]+): "([^"$]*)"$/gm))
    env[m[1] as string] = m[2] as string;
  return { command, env };
}

describe('the dispatcher as deployed', () => {
  it('splits a start script into its environment, Node flags and entry point', () => {
    assert.deepEqual(parseNodeScript('A=1 B=x=y node --f=2 --g dist/main.js', 'apps/x'), {
      env: { A: '1', B: 'x=y' },
      nodeArgs: ['--f=2', '--g', 'apps/x/dist/main.js'],
    });
    assert.throws(() => parseNodeScript('tsx src/main.ts', 'apps/x'), /expected/);
    assert.throws(() => parseNodeScript('node --f=2', 'apps/x'), /expected/);
  });

  it('is started by docker-compose.yml with the flags and environment of its start script', async () => {
    const deployed = await deployedDispatcherCommand();
    const compose = await composeDispatcher();
    assert.deepEqual(compose.command, ['node', ...deployed.nodeArgs]);
    for (const [name, value] of Object.entries(deployed.env)) {
      assert.equal(compose.env[name], value, `docker-compose.yml sets ${name}`);
    }
  });

  it('is one ASCII bundle, so V8 keeps its source at one byte per character', async () => {
    await buildDispatcher();
    const bundle = await readFile(new URL('apps/dispatcher/dist/main.js', root), 'latin1');
    assert.ok(bundle.length > 100_000, 'the bundle holds the dispatcher and its packages');
    const offset = bundle.search(/[\u0080-\u00ff]/);
    assert.equal(offset, -1, `non-ASCII at ${offset}: ${bundle.slice(offset - 40, offset + 10)}`);
  });
});
