import {
  deriveSessionChange,
  type ObservedChange,
  type SessionChanges,
  type SessionFacts,
  type SessionObservation,
} from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import type { Database, Session } from '../database.ts';
import { pauseForLogout } from './sender-health.ts';

/** An observation, or a way to make one from the row as it stands (null: nothing learned). */
export type Observe = SessionObservation | ((row: Session) => Promise<SessionObservation | null>);

export interface ObserveTarget {
  phone: string;
  workerId?: number;
  wahaSession?: string;
}

export type AppliedObservation = ObservedChange & { session: Session };

/** How many times a read is made again when the row was written while WAHA was being read. */
const OBSERVE_ATTEMPTS = 3;
/** How many times a known observation is tried against a row that keeps changing under it. */
const APPLY_ATTEMPTS = 10;

/**
 * Applies an observation to a session row (see `deriveSessionChange`). Concurrent observers
 * (webhooks, live reads, the prober) never overwrite each other blindly: the row is written only
 * if it still has the version the change was derived from, else it is read again. No lock is held
 * while WAHA is read, and no transaction spans the call: a slow worker (up to
 * SESSION_REFRESH_TIMEOUT_MS) must not hold up the dispatcher, which records each send on this
 * row. Events arrive out of order, so a read whose row was written meanwhile is made again (after
 * the last attempt the row keeps what it holds). `target` guards against a row that moved to
 * another worker or session name meanwhile. Returns undefined when there is no matching row or
 * nothing was learned.
 */
export async function observeSession(
  db: Kysely<Database>,
  target: ObserveTarget,
  observe: Observe,
  now: Date | (() => Date),
): Promise<AppliedObservation | undefined> {
  const attempts = typeof observe === 'function' ? OBSERVE_ATTEMPTS : APPLY_ATTEMPTS;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const seen = await selectTarget(db, target).executeTakeFirst();
    if (!seen) return undefined;
    const { version, ...row } = seen;
    const observation = typeof observe === 'function' ? await observe(row) : observe;
    if (!observation) return undefined;
    const { change, changed } = observationChanges(
      row,
      observation,
      typeof now === 'function' ? now() : now,
    );
    // A known observation that changes nothing needs no write (the prober sees every session
    // every pass). A read always writes: an older read that finishes later must see a write and
    // read again, not put back what this superseded.
    if (Object.keys(changed).length === 0 && typeof observe !== 'function') {
      return { ...change, session: row };
    }
    const session = await updateTarget(db, target)
      .set({ ...changed, updated_at: sql`now()` })
      .where(sql<string>`updated_at::text`, '=', version)
      .returningAll()
      .executeTakeFirst();
    if (!session) continue;
    // WhatsApp logged the number out (or banned it): its campaigns stop until an admin resumes.
    if (session.status === 'EXPIRED' && row.status !== 'EXPIRED') {
      await pauseForLogout(db, target.phone, session.waha_status);
    }
    return { ...change, session };
  }
  return undefined;
}

/**
 * A session row as far as an observation can change it (`status_changed_at` moves only with
 * `status`, so a row without it still tells a change).
 */
type ObservedFacts = SessionFacts & {
  [K in Exclude<keyof SessionChanges, 'status_changed_at'>]-?: Session[K];
};

/**
 * What an observation implies for a row (`deriveSessionChange`), and the columns it would actually
 * write: none when the row already says what WAHA says.
 */
export function observationChanges(
  row: ObservedFacts,
  observation: SessionObservation,
  now: Date,
): { change: ObservedChange; changed: SessionChanges } {
  const change = deriveSessionChange(row, observation, now);
  return { change, changed: changedColumns(row, change.update) };
}

/** The columns of `update` whose values differ from the row's. */
function changedColumns(row: ObservedFacts, update: SessionChanges): SessionChanges {
  const same = (a: unknown, b: unknown) =>
    a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
  return Object.fromEntries(
    Object.entries(update).filter(
      ([column, value]) => !same(row[column as keyof ObservedFacts], value),
    ),
  ) as SessionChanges;
}

/**
 * The target row with its version: `updated_at` to the microsecond (a Date keeps only
 * milliseconds, and two writes can fall in one), which every write to a session moves.
 */
function selectTarget(db: Kysely<Database>, target: ObserveTarget) {
  let query = db
    .selectFrom('sessions')
    .selectAll()
    .select(sql<string>`updated_at::text`.as('version'))
    .where('phone_number', '=', target.phone);
  if (target.workerId !== undefined) query = query.where('worker_id', '=', target.workerId);
  if (target.wahaSession !== undefined)
    query = query.where('waha_session', '=', target.wahaSession);
  return query;
}

function updateTarget(db: Kysely<Database>, target: ObserveTarget) {
  let query = db.updateTable('sessions').where('phone_number', '=', target.phone);
  if (target.workerId !== undefined) query = query.where('worker_id', '=', target.workerId);
  if (target.wahaSession !== undefined)
    query = query.where('waha_session', '=', target.wahaSession);
  return query;
}
