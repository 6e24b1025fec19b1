import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENDED_SESSION_STATUSES, SESSION_STATUSES, type SessionStatus } from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../src/database.ts';
import { lockOrCreateSender } from '../src/queries/senders.ts';
import { reserveSessionSlot } from '../src/queries/session-placement.ts';
import {
  effectiveCapacitySql,
  foldWorkerSessionChanges,
  rankedCandidates,
} from '../src/queries/worker-loads.ts';
import { createTestDatabase, makeWorker, type TestDatabase } from '../src/testing/index.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.drop());

type Loads = Record<string, { live: number; paired: number }>;

/** Each worker's counts as placement reads them: the columns plus the changes not folded yet. */
async function countedLoads(db: Kysely<Database>): Promise<Loads> {
  const { rows } = await sql<{ id: string; live: number; paired: number }>`
    SELECT w.id, w.live_sessions + COALESCE(sum(c.live), 0)::int AS live,
      w.paired_stopped_sessions + COALESCE(sum(c.paired_stopped), 0)::int AS paired
    FROM workers w LEFT JOIN worker_session_changes c ON c.worker_id = w.id
    GROUP BY w.id ORDER BY w.id`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.id, { live: r.live, paired: r.paired }]));
}

/** The same counts taken from the session rows, with the domain's list of ended statuses. */
async function rowLoads(db: Kysely<Database>): Promise<Loads> {
  const { rows } = await sql<{ id: string; live: number; paired: number }>`
    SELECT w.id,
      count(s.*) FILTER (WHERE s.status NOT IN (${sql.join(ENDED_SESSION_STATUSES)}))::int AS live,
      count(s.*) FILTER (WHERE s.status = 'STOPPED' AND s.connected_at IS NOT NULL)::int AS paired
    FROM workers w LEFT JOIN sessions s ON s.worker_id = w.id
    GROUP BY w.id ORDER BY w.id`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.id, { live: r.live, paired: r.paired }]));
}

/** The ranking by counting every worker's sessions: what placement did before the counts. */
async function rankByCountingRows(
  db: Kysely<Database>,
  phone: string,
  maxLiveSessions: number,
): Promise<number[]> {
  const { rows } = await sql<{ id: string }>`
    WITH used AS (
      SELECT sessions.worker_id, count(*)::int AS n
      FROM sessions JOIN workers w ON w.id = sessions.worker_id
      WHERE sessions.phone_number <> ${phone}
        AND (sessions.status NOT IN (${sql.join(ENDED_SESSION_STATUSES)})
          OR (w.tier = 'CORE' AND sessions.status = 'STOPPED' AND sessions.connected_at IS NOT NULL))
      GROUP BY sessions.worker_id
    ), load AS (
      SELECT w.id, ${effectiveCapacitySql(maxLiveSessions)} AS slots, COALESCE(used.n, 0) AS used
      FROM workers w LEFT JOIN used ON used.worker_id = w.id
      WHERE w.enabled AND w.healthy
    )
    SELECT id FROM load WHERE used < slots
    ORDER BY used::float8 / slots, slots - used DESC, id LIMIT 8`.execute(db);
  return rows.map((r) => Number(r.id));
}

const fold = (db: Kysely<Database>) => db.transaction().execute(foldWorkerSessionChanges);

let phones = 0;
const nextPhone = () => `2165${String(++phones).padStart(7, '0')}`;

async function addSession(
  db: Kysely<Database>,
  workerId: number,
  status: SessionStatus,
  paired: boolean,
) {
  const phone = nextPhone();
  await db.transaction().execute((trx) => lockOrCreateSender(trx, phone));
  await db
    .insertInto('sessions')
    .values({
      phone_number: phone,
      worker_id: workerId,
      waha_session: phone,
      status,
      connected_at: paired ? new Date() : null,
    })
    .execute();
  return phone;
}

describe('worker loads', () => {
  it('count every session status the way the domain ends sessions', async () => {
    const worker = await makeWorker(t.db, { capacity: 100 });
    for (const status of SESSION_STATUSES) {
      for (const paired of [false, true]) await addSession(t.db, worker.id, status, paired);
    }
    assert.deepEqual(await countedLoads(t.db), await rowLoads(t.db));
    await fold(t.db);
    assert.deepEqual(await countedLoads(t.db), await rowLoads(t.db));
  });

  it('stay equal to the rows under concurrent placements and session status changes', async () => {
    const workers = await Promise.all([
      ...[3, 5, 8].map((capacity) => makeWorker(t.db, { capacity })),
      makeWorker(t.db, { tier: 'CORE' }),
    ]);
    const ids = workers.map((w) => w.id);
    const placed: string[] = [];
    const place = async () => {
      const phone = nextPhone();
      await t.db.transaction().execute(async (trx) => {
        await lockOrCreateSender(trx, phone);
        if (await reserveSessionSlot(trx, { phone, maxLiveSessions: 100 })) placed.push(phone);
      });
    };
    const change = async (i: number) => {
      const phone = placed[i % Math.max(placed.length, 1)];
      if (!phone) return;
      const status = SESSION_STATUSES[i % SESSION_STATUSES.length] as SessionStatus;
      const moves = i % 7 === 0;
      await t.db
        .updateTable('sessions')
        .set({
          status,
          connected_at: i % 2 === 0 ? new Date() : null,
          ...(moves ? { worker_id: i % 14 === 0 ? null : (ids[i % ids.length] as number) } : {}),
        })
        .where('phone_number', '=', phone)
        .execute()
        .catch(() => undefined); // a move onto a taken session name: that change does not happen
      if (i % 11 === 0)
        await t.db.deleteFrom('sessions').where('phone_number', '=', phone).execute();
    };
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? change(i) : place())));
    assert.ok(placed.length > 0);
    assert.deepEqual(await countedLoads(t.db), await rowLoads(t.db));
    await fold(t.db);
    assert.deepEqual(await countedLoads(t.db), await rowLoads(t.db));
    const left = await t.db.selectFrom('worker_session_changes').select('worker_id').execute();
    assert.deepEqual(left, []);
  });

  it('rank workers exactly as counting every session does', async () => {
    await t.db.deleteFrom('sessions').execute();
    await t.db.deleteFrom('workers').execute();
    const phonesOnWorkers: string[] = [];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return (seed >>> 16) % n; // the high bits: the low ones of this generator repeat
    };
    for (let i = 0; i < 14; i++) {
      const tier = (['PLUS', 'CORE', null] as const)[random(3)] ?? null;
      const worker = await makeWorker(t.db, {
        tier,
        capacity: [1, 2, 3, 5, 50][random(5)],
        healthy: random(6) > 0,
        enabled: random(8) > 0,
      });
      for (let s = random(7); s > 0; s--) {
        const status = SESSION_STATUSES[random(SESSION_STATUSES.length)] as SessionStatus;
        phonesOnWorkers.push(await addSession(t.db, worker.id, status, random(2) === 0));
      }
      if (i === 7) await fold(t.db); // half folded, half pending
    }
    for (const maxLive of [1, 2, 3, 100]) {
      for (const phone of [nextPhone(), ...phonesOnWorkers]) {
        const ranked = await t.db
          .transaction()
          .execute((trx) => rankedCandidates(trx, { phone, maxLiveSessions: maxLive }));
        assert.deepEqual(
          ranked.map((w) => w.id),
          await rankByCountingRows(t.db, phone, maxLive),
          `${phone}, MAX_LIVE_SESSIONS ${maxLive}`,
        );
      }
    }
  });
});
