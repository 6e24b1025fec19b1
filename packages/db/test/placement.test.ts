import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { effectiveCapacity, WORKER_TIERS, type WorkerTier } from '@herald/domain';
import { sql } from 'kysely';
import { effectiveCapacitySql } from '../src/queries/worker-loads.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

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
});
