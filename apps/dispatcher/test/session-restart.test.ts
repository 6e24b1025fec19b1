import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, queuedTurns, waitFor } from '@herald/testing';
import { createWahaClientCache } from '@herald/waha';
import { sql } from 'kysely';
import { reconcileWorkerSessions } from '../src/tasks/reconcile-sessions.ts';
import { createHarness, type Harness, testLogger } from './harness.ts';

// A worker restarted without restarting its sessions (WAHA_WORKER_RESTART_SESSIONS=false): Herald
// starts each paired session again; WAHA restores it from its store, or asks for a QR.

let h: Harness;
const clients = createWahaClientCache();
const dirs: string[] = [];
before(async () => {
  h = await createHarness();
});
after(async () => {
  await clients.closeAll();
  await h.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const sessionRow = (phone: string) =>
  h.db
    .selectFrom('sessions')
    .select(['status', 'last_error'])
    .where('phone_number', '=', phone)
    .executeTakeFirstOrThrow();

for (const loggedOut of [false, true]) {
  test(
    loggedOut
      ? 'a session logged out meanwhile asks for a QR: reported as needing re-pairing'
      : 'a paired session comes back WORKING and its sender resumes, with no user action',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'herald-restart-'));
      dirs.push(dataDir);
      const port = await freePort();
      const sender = loggedOut ? '21620000802' : '21620000801';
      const first = await h.emulator({ tier: 'PLUS', port, dataDir, apiKey: 'restart-key' });
      await h.connectSender(first, sender);
      const worker = await h.workerFor(first);
      await sql`UPDATE sessions SET updated_at = now() - interval '1 hour'`.execute(h.db);
      if (loggedOut) first.logout(sender);
      await first.close();

      const second = await h.emulator({
        tier: 'PLUS',
        port,
        dataDir,
        apiKey: 'restart-key',
        restartSessions: false,
      });
      assert.equal(second.sessions()[0]?.status, loggedOut ? 'STOPPED' : 'STOPPED');
      const deps = { db: h.db, boss: h.boss, logger: testLogger };
      const client = clients.clientFor({ url: second.url, apiKey: 'restart-key' });
      const firstPass = await reconcileWorkerSessions(deps, worker.id, client);
      assert.deepEqual(firstPass.restarted, [sender]);
      assert.equal((await sessionRow(sender)).status, 'CONNECTED', 'kept while it starts');

      const expected = loggedOut ? 'SCAN_QR_CODE' : 'WORKING';
      await waitFor(() => second.sessions()[0]?.status === expected, {
        what: `the session to be ${expected}`,
      });
      const secondPass = await reconcileWorkerSessions(deps, worker.id, client);
      assert.deepEqual(secondPass.restarted, []);
      const row = await sessionRow(sender);
      if (loggedOut) {
        assert.notEqual(row.status, 'CONNECTED');
        assert.ok(['WAITING_FOR_SCAN', 'EXPIRED'].includes(row.status), row.status);
      } else {
        assert.equal(row.status, 'CONNECTED');
        assert.ok((await queuedTurns(h.boss, sender)).length <= 1);
      }
    },
  );
}
