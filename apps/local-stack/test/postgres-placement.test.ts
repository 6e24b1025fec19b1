import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pruneOrphanedClusters } from '../src/postgres-placement.ts';

const scratch = mkdtempSync(join(tmpdir(), 'herald-placement-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A relocated cluster's home under `root`, owned by the checkout path `owner`. */
function relocatedHome(root: string, name: string, owner: string): string {
  const home = join(root, name);
  mkdirSync(join(home, 'postgres'), { recursive: true });
  writeFileSync(join(home, 'owner'), owner);
  return home;
}

test('clusters of gone checkouts are pruned; owned, running and foreign ones stay', () => {
  const root = join(scratch, 'lib');
  const checkouts = join(scratch, 'checkouts');
  mkdirSync(checkouts, { recursive: true });

  const owned = relocatedHome(root, 'owned', join(checkouts, 'a', 'postgres'));
  mkdirSync(join(checkouts, 'a'));
  symlinkSync(join(owned, 'postgres'), join(checkouts, 'a', 'postgres'));

  const gone = relocatedHome(root, 'gone', join(checkouts, 'b', 'postgres'));

  // The checkout's link was recreated for another cluster: this one is nobody's.
  const replaced = relocatedHome(root, 'replaced', join(checkouts, 'c', 'postgres'));
  mkdirSync(join(checkouts, 'c'));
  symlinkSync(join(scratch, 'elsewhere'), join(checkouts, 'c', 'postgres'));

  const running = relocatedHome(root, 'running', join(checkouts, 'd', 'postgres'));
  writeFileSync(join(running, 'postgres', 'postmaster.pid'), `${process.pid}\n/data\n`);

  // Shared binaries and anything without an owner file are not clusters to judge.
  const binaries = join(root, 'postgres-18.1.0');
  mkdirSync(join(binaries, 'bin'), { recursive: true });

  pruneOrphanedClusters(root);

  assert.equal(existsSync(owned), true, 'a cluster its checkout still links to stays');
  assert.equal(existsSync(gone), false, 'a cluster whose checkout is gone is deleted');
  assert.equal(existsSync(replaced), false, 'a cluster its checkout no longer links to is deleted');
  assert.equal(existsSync(running), true, 'a cluster whose server runs stays');
  assert.equal(existsSync(binaries), true, 'the shared binaries stay');
});

test('pruning a missing root does nothing', () => {
  assert.doesNotThrow(() => pruneOrphanedClusters(join(scratch, 'absent')));
});
