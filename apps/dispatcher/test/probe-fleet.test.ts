import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createWahaClientCache } from '@herald/waha';
import { sql } from 'kysely';
import { createProbeTask, type ProbeDeps, type ProbeReport } from '../src/tasks/probe-workers.ts';
import { createHarness, type Harness, testLogger } from './harness.ts';

// One harness for the file: the probe needs its database, its queue and real emulators.
const h: Harness = await createHarness();
const wahaClients = createWahaClientCache({ timeoutMs: 3000 });
after(() => Promise.all([wahaClients.closeAll(), h.close()]));

test('a fleet larger than one batch is probed in one run of the task, not one batch a tick', async () => {
  const ids: number[] = [];
  for (let i = 0; i < 5; i += 1) ids.push((await h.workerFor(await h.emulator())).id);
  await sql`UPDATE workers SET next_probe_at = now() WHERE id IN (${sql.join(ids)})`.execute(h.db);
  const probed: number[] = [];
  const onProbe = (r: ProbeReport) => probed.push(r.workerId);
  const deps: ProbeDeps = { db: h.db, boss: h.boss, logger: testLogger, wahaClients };
  await createProbeTask(deps, { intervalSeconds: 60, batchSize: 2, onProbe }).run(
    new AbortController().signal,
  );
  assert.deepEqual(
    probed.sort((a, b) => a - b),
    ids,
  );
  // Each was recorded once, the batch's healthy outcomes in one statement.
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM workers
    WHERE id IN (${sql.join(ids)}) AND healthy AND last_seen_at IS NOT NULL AND next_probe_at > now()`.execute(
    h.db,
  );
  assert.equal(rows[0]?.n, ids.length);
});
