import type { WorkerTier } from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, Session, SessionUpdate } from '../database.ts';
import { effectiveCapacity } from './workers.ts';

/** A session with the worker it lives on (null once that worker was deleted). */
export interface SessionView extends Session {
  worker_name: string | null;
  worker_url: string | null;
  worker_healthy: boolean | null;
  worker_enabled: boolean | null;
  worker_tier: WorkerTier | null;
}

const sessionView = (db: Kysely<Database>) =>
  db
    .selectFrom('sessions')
    .leftJoin('workers', 'workers.id', 'sessions.worker_id')
    .selectAll('sessions')
    .select([
      'workers.name as worker_name',
      'workers.url as worker_url',
      'workers.healthy as worker_healthy',
      'workers.enabled as worker_enabled',
      'workers.tier as worker_tier',
    ]);

export function findSession(db: Kysely<Database>, phone: string): Promise<SessionView | undefined> {
  return sessionView(db).where('sessions.phone_number', '=', phone).executeTakeFirst();
}

export function listSessionViews(db: Kysely<Database>): Promise<SessionView[]> {
  return sessionView(db).orderBy('sessions.phone_number').execute();
}

export async function listSessionNumbers(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('sessions')
    .select('phone_number')
    .orderBy('phone_number')
    .execute();
  return rows.map((r) => r.phone_number);
}

/** Every number Herald sends from has a senders row; creating it twice is harmless. */
export async function upsertSender(db: Kysely<Database>, phone: string): Promise<void> {
  await db
    .insertInto('senders')
    .values({ phone_number: phone })
    .onConflict((oc) => oc.column('phone_number').doNothing())
    .execute();
}

// Any constant works; it only has to be the same in every process that places sessions.
const PLACEMENT_LOCK = 7_104_201;

// The two-key form of advisory locks never collides with the one-key PLACEMENT_LOCK.
const OPEN_LOCK = 7_104_202;

/**
 * Runs `work` while holding a lock on `phone` that every other opening of that number (from any
 * API process) waits for, so two POST /api/sessions of one number cannot place it twice or free
 * each other's slot. The lock must outlast WAHA calls, which no transaction should span, so it is
 * a session-level lock on one pooled connection, and `work` is handed that connection for all of
 * its queries: asking the pool for another while holding one could exhaust it.
 */
export async function withSessionOpenLock<T>(
  db: Kysely<Database>,
  phone: string,
  work: (conn: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${OPEN_LOCK}, hashtext(${phone}))`.execute(conn);
    try {
      return await work(conn);
    } finally {
      await sql`SELECT pg_advisory_unlock(${OPEN_LOCK}, hashtext(${phone}))`.execute(conn);
    }
  });
}

export interface Placement {
  worker_id: number;
  waha_session: string;
  /** Whether a row already existed for the number (it was moved rather than created). */
  replaced: boolean;
}

/**
 * Reserves a slot for `phone` on the least-loaded healthy, enabled worker with room, and writes
 * the session row, under one transaction-scoped advisory lock: placements are serialised, so the
 * count of sessions per worker read here cannot change before the row is written, and concurrent
 * creations never exceed a worker's effective capacity. Least loaded is the lowest ratio of
 * sessions to effective capacity, then the most free slots, then the lowest id.
 * Returns null when no worker has room.
 */
export async function reserveSessionSlot(
  trx: Transaction<Database>,
  options: { phone: string; maxLiveSessions: number; excludeWorkerIds?: number[] },
): Promise<Placement | null> {
  await sql`SELECT pg_advisory_xact_lock(${PLACEMENT_LOCK})`.execute(trx);
  const candidates = await trx
    .selectFrom('workers')
    .leftJoin('sessions', (join) =>
      join
        .onRef('sessions.worker_id', '=', 'workers.id')
        .on('sessions.phone_number', '<>', options.phone),
    )
    .select(['workers.id', 'workers.tier', 'workers.capacity'])
    .select((eb) => eb.fn.count<number>('sessions.phone_number').as('sessions'))
    .where('workers.enabled', '=', true)
    .where('workers.healthy', '=', true)
    .groupBy('workers.id')
    .execute();
  const excluded = new Set(options.excludeWorkerIds ?? []);
  const ranked = candidates
    .filter((w) => !excluded.has(w.id))
    .map((w) => ({ ...w, limit: effectiveCapacity(w, options.maxLiveSessions) }))
    .filter((w) => w.sessions < w.limit)
    .sort(
      (a, b) =>
        a.sessions / a.limit - b.sessions / b.limit ||
        b.limit - b.sessions - (a.limit - a.sessions) ||
        a.id - b.id,
    );
  const chosen = ranked[0];
  if (!chosen) return null;
  // WAHA Core serves only `default`; Plus names each session after its number.
  const wahaSession = chosen.tier === 'CORE' ? 'default' : options.phone;
  const existing = await trx
    .selectFrom('sessions')
    .select('phone_number')
    .where('phone_number', '=', options.phone)
    .executeTakeFirst();
  await trx
    .insertInto('sessions')
    .values({
      phone_number: options.phone,
      worker_id: chosen.id,
      waha_session: wahaSession,
      status: 'STARTING',
    })
    .onConflict((oc) =>
      oc.column('phone_number').doUpdateSet({
        worker_id: chosen.id,
        waha_session: wahaSession,
        ...FRESH_PAIRING,
        status_changed_at: sql`now()`,
        updated_at: sql`now()`,
      }),
    )
    .execute();
  return { worker_id: chosen.id, waha_session: wahaSession, replaced: existing !== undefined };
}

/** What a session forgets when it starts pairing again: the old account and its clocks' anchor. */
export const FRESH_PAIRING = {
  status: 'STARTING',
  waha_status: null,
  me_id: null,
  push_name: null,
  qr_expires_at: null,
  connected_at: null,
  last_error: null,
} as const satisfies SessionUpdate;

/**
 * Gives a reserved slot back after WAHA could not create the session: a new row is removed, a
 * moved one is left without a worker so that the next POST /api/sessions places it again.
 */
export async function releaseSessionSlot(
  db: Kysely<Database>,
  placement: Placement & { phone: string },
  reason: string,
): Promise<void> {
  if (!placement.replaced) {
    await db
      .deleteFrom('sessions')
      .where('phone_number', '=', placement.phone)
      .where('worker_id', '=', placement.worker_id)
      .execute();
    return;
  }
  await db
    .updateTable('sessions')
    .set({ worker_id: null, status: 'STOPPED', last_error: reason, updated_at: sql`now()` })
    .where('phone_number', '=', placement.phone)
    .where('worker_id', '=', placement.worker_id)
    .execute();
}

export async function updateSession(
  db: Kysely<Database>,
  phone: string,
  update: SessionUpdate,
): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ ...update, updated_at: sql`now()` })
    .where('phone_number', '=', phone)
    .execute();
}

export async function deleteSessionRow(db: Kysely<Database>, phone: string): Promise<boolean> {
  const result = await db
    .deleteFrom('sessions')
    .where('phone_number', '=', phone)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Removes every session row (the cleanup endpoint); returns their numbers. */
export async function deleteAllSessions(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.deleteFrom('sessions').returning('phone_number').execute();
  return rows.map((r) => r.phone_number);
}

/** The sessions on one worker, with what is needed to end them there. */
export function listWorkerSessions(
  db: Kysely<Database>,
  workerId: number,
): Promise<Pick<Session, 'phone_number' | 'waha_session' | 'status' | 'updated_at'>[]> {
  return db
    .selectFrom('sessions')
    .select(['phone_number', 'waha_session', 'status', 'updated_at'])
    .where('worker_id', '=', workerId)
    .orderBy('phone_number')
    .execute();
}

/** A worker that cannot be reached cannot send: its sessions are DISCONNECTED until it answers. */
export async function markWorkerSessionsDisconnected(
  db: Kysely<Database>,
  workerId: number,
): Promise<string[]> {
  const rows = await db
    .updateTable('sessions')
    .set({ status: 'DISCONNECTED', status_changed_at: sql`now()`, updated_at: sql`now()` })
    .where('worker_id', '=', workerId)
    .where('status', '<>', 'DISCONNECTED')
    .returning('phone_number')
    .execute();
  return rows.map((r) => r.phone_number);
}

/** The phone itself was used (a message typed on it): WhatsApp's 14-day clock restarts. */
export async function recordPhoneActivity(
  db: Kysely<Database>,
  phone: string,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({
      phone_active_at: sql`GREATEST(phone_active_at, ${at}::timestamptz)`,
      updated_at: sql`now()`,
    })
    .where('phone_number', '=', phone)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface KeepaliveTarget {
  phone_number: string;
  waha_session: string;
  worker_id: number;
  url: string;
  api_key: string;
  device_active_at: Date | null;
}

/** CONNECTED sessions on usable workers whose linked device has been idle since before `before`. */
export function listIdleConnectedSessions(
  db: Kysely<Database>,
  options: { before: Date; limit: number },
): Promise<KeepaliveTarget[]> {
  return db
    .selectFrom('sessions')
    .innerJoin('workers', 'workers.id', 'sessions.worker_id')
    .select([
      'sessions.phone_number',
      'sessions.waha_session',
      'workers.id as worker_id',
      'workers.url',
      'workers.api_key',
      'sessions.device_active_at',
    ])
    .where('sessions.status', '=', 'CONNECTED')
    .where('workers.enabled', '=', true)
    .where('workers.healthy', '=', true)
    .where((eb) =>
      eb.or([
        eb('sessions.device_active_at', 'is', null),
        eb('sessions.device_active_at', '<', options.before),
      ]),
    )
    .orderBy('sessions.device_active_at')
    .limit(options.limit)
    .execute();
}

export async function recordKeepalive(
  db: Kysely<Database>,
  phone: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('sessions')
    .set({
      device_active_at: sql`GREATEST(device_active_at, ${at}::timestamptz)`,
      keepalive_at: at,
      updated_at: sql`now()`,
    })
    .where('phone_number', '=', phone)
    .execute();
}
