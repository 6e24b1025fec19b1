import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { effectiveCapacity, WORKER_TIERS, type WorkerTier } from '@herald/domain';
import { sql } from 'kysely';
import { lockOrCreateSender } from '../src/queries/senders.ts';
import { reserveSessionSlot } from '../src/queries/session-placement.ts';
import { effectiveCapacitySql } from '../src/queries/worker-loads.ts';
import { createTestDatabase, makeWorker, type TestDatabase } from '../src/testing/index.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.drop());

describe('placement in SQL', () => {
  it("computes every worker's effective capacity exactly as the domain rule does", async () => {
    const tiers: (WorkerTier | null)[] = [...WORKER_TIERS, null];
    for (const maxLive of [1, 3, 10, 100]) {
      for (const tier of tiers) {
        for (const capacity of [1, 2, 3, 9, 10, 11, 50, 500]) {
          const { rows } = await sql<{ slots: number }>`
            SELECT ${effectiveCapacitySql(maxLive)} AS slots
            FROM (SELECT ${tier}::text AS tier, ${capacity}::int AS capacity) AS w`.execute(t.db);
          assert.equal(
            Number(rows[0]?.slots),
            effectiveCapacity({ tier, capacity }, maxLive),
            `${tier} capacity ${capacity}, MAX_LIVE_SESSIONS ${maxLive}`,
          );
        }
      }
    }
  });
  for (const pending of [false, true]) {
    it(`passes over the best worker once a delete under way commits (${pending ? 'with' : 'without'} loads to fold)`, async () => {
      await sql`DELETE FROM sessions`.execute(t.db);
      await sql`DELETE FROM workers`.execute(t.db);
      const best = await makeWorker(t.db, { capacity: 5 });
      const next = await makeWorker(t.db, { capacity: 5 });
      if (pending) {
        // A change not folded yet: the placement's fold updates (and so locks) the worker's row.
        await sql`INSERT INTO worker_session_changes VALUES (${best.id}, 0, 0)`.execute(t.db);
      }
      const phone = pending ? '21650999002' : '21650999001';
      let placing: Promise<unknown> | undefined;
      await t.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('workers').where('id', '=', best.id).execute();
        placing = t.db.transaction().execute(async (placer) => {
          await lockOrCreateSender(placer, phone);
          return reserveSessionSlot(placer, { phone, maxLiveSessions: 10 });
        });
        // The delete commits only once the placement waits on the worker's row.
        for (let i = 0; i < 200; i++) {
          const { rows } = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`.execute(
            t.db,
          );
          if ((rows[0]?.n ?? 0) > 0) break;
          await sleep(10);
        }
      });
      assert.deepEqual(await placing, { worker_id: next.id, waha_session: phone, replaced: false });
    });
  }
});
