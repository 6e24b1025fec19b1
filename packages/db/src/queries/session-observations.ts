import { type SessionStatus, toSessionStatus, type WahaSessionStatus } from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import type { Database, Session, SessionUpdate } from '../database.ts';

/** What Herald learned about a session from WAHA (an event, a live read, or the prober). */
export type SessionObservation =
  | { kind: 'seen'; status: WahaSessionStatus; me: { id: string; pushName?: string | null } | null }
  /** The worker answered but has no such session (it was deleted or the worker was wiped). */
  | { kind: 'missing' }
  /** The worker did not answer. */
  | { kind: 'unreachable' };

export interface ObservedChange {
  update: SessionUpdate;
  status: SessionStatus;
  /** It may send again: the caller enqueues the sender's turn so pending messages resume. */
  becameConnected: boolean;
}

/** `21612345678@c.us` (or a device address `…:7@s.whatsapp.net`) → `21612345678`. */
export function accountDigits(meId: string): string {
  return meId.replace(/[:@].*$/, '');
}

/**
 * The row update an observation implies. Pure, so that the webhook, the live read and the prober
 * agree. A WORKING session whose account is not the session's own number (another phone scanned
 * the QR) is FAILED and never CONNECTED, so nothing is ever sent from it. The first CONNECTED of a
 * pairing is the scan: both WhatsApp inactivity clocks start from it.
 */
export function deriveSessionChange(
  row: Pick<
    Session,
    'phone_number' | 'status' | 'connected_at' | 'device_active_at' | 'phone_active_at'
  >,
  observation: SessionObservation,
  now: Date,
): ObservedChange {
  const update: SessionUpdate = {};
  let status: SessionStatus;
  if (observation.kind === 'unreachable') {
    status = 'DISCONNECTED';
  } else if (observation.kind === 'missing') {
    status = 'STOPPED';
    update.waha_status = null;
    update.last_error =
      'The session no longer exists on its worker; POST /api/sessions to start it again';
  } else {
    const { me } = observation;
    update.waha_status = observation.status;
    // An error is explained while it lasts; a session that moved on no longer has it.
    update.last_error = null;
    const account = me ? accountDigits(me.id) : null;
    if (observation.status === 'WORKING' && account !== null && account !== row.phone_number) {
      status = 'FAILED';
      update.me_id = me?.id ?? null;
      update.push_name = me?.pushName ?? null;
      update.last_error = `WhatsApp account ${account} scanned this session, not ${row.phone_number}: nothing will be sent from it; POST /api/sessions and scan with the phone of ${row.phone_number}`;
    } else {
      status = toSessionStatus(observation.status, {
        meKnown: me !== null,
        everConnected: row.connected_at !== null,
        workerReachable: true,
      });
      if (status === 'CONNECTED' && me) {
        update.me_id = me.id;
        update.push_name = me.pushName ?? null;
        if (row.connected_at === null) {
          update.connected_at = now;
          update.phone_active_at = latest(row.phone_active_at, now);
          update.device_active_at = latest(row.device_active_at, now);
        }
      } else if (status === 'WAITING_FOR_SCAN' && row.connected_at !== null) {
        // A QR again after a connection means the device was unlinked: the next scan is a new
        // pairing, with its own account and clocks.
        Object.assign(update, { me_id: null, push_name: null, connected_at: null });
      } else if (status === 'EXPIRED') {
        update.last_error =
          'WhatsApp logged this device out; POST /api/sessions and scan the new QR code';
      } else if (status === 'FAILED') {
        update.last_error = 'The QR code was not scanned in time; POST /api/sessions for a new one';
      }
    }
  }
  if (status !== row.status) {
    update.status = status;
    update.status_changed_at = now;
  }
  return { update, status, becameConnected: status === 'CONNECTED' && row.status !== 'CONNECTED' };
}

function latest(a: Date | null, b: Date): Date {
  return a && a > b ? a : b;
}

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

/**
 * Applies an observation to a session row under a row lock, so concurrent observers (webhooks,
 * live reads, the prober) serialise. The function form reads WAHA with no lock held: a slow
 * worker (up to SESSION_REFRESH_TIMEOUT_MS) must not hold up the dispatcher, which records each
 * send on this row while it holds its sender's and worker's locks. Events arrive out of order, so
 * a read is applied only if the row was not written since the read began: a write meanwhile may
 * carry a newer state, and the read is made again (after the last attempt the row keeps what it
 * holds). `target` guards against a row that moved to another worker or session name meanwhile.
 * Returns undefined when there is no matching row or nothing was learned.
 */
export async function observeSession(
  db: Kysely<Database>,
  target: ObserveTarget,
  observe: Observe,
  now: Date | (() => Date),
): Promise<AppliedObservation | undefined> {
  if (typeof observe !== 'function') {
    const applied = await applyObservation(db, target, observe, now, null);
    return applied === WRITTEN_MEANWHILE ? undefined : applied;
  }
  for (let attempt = 1; attempt <= OBSERVE_ATTEMPTS; attempt += 1) {
    const seen = await selectTarget(db, target).executeTakeFirst();
    if (!seen) return undefined;
    const { version, ...row } = seen;
    const observation = await observe(row);
    if (!observation) return undefined;
    const applied = await applyObservation(db, target, observation, now, version);
    if (applied !== WRITTEN_MEANWHILE) return applied;
  }
  return undefined;
}

const WRITTEN_MEANWHILE = Symbol('written meanwhile');

async function applyObservation(
  db: Kysely<Database>,
  target: ObserveTarget,
  observation: SessionObservation,
  now: Date | (() => Date),
  seenVersion: string | null,
): Promise<AppliedObservation | undefined | typeof WRITTEN_MEANWHILE> {
  return db.transaction().execute(async (trx) => {
    const locked = await selectTarget(trx, target).forUpdate().executeTakeFirst();
    if (!locked) return undefined;
    const { version, ...row } = locked;
    if (seenVersion !== null && version !== seenVersion) return WRITTEN_MEANWHILE;
    const change = deriveSessionChange(row, observation, typeof now === 'function' ? now() : now);
    // A read that changes nothing still moves the version: an older read that finishes later
    // must see a write and read again, not put back the state this one superseded.
    if (Object.keys(change.update).length === 0 && seenVersion === null) {
      return { ...change, session: row };
    }
    const session = await trx
      .updateTable('sessions')
      .set({ ...change.update, updated_at: sql`now()` })
      .where('phone_number', '=', target.phone)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...change, session };
  });
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
