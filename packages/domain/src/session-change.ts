import {
  isWahaSessionStatus,
  type SessionStatus,
  toSessionStatus,
  type WahaSessionStatus,
} from './statuses.ts';

/** What Herald learned about a session from WAHA (an event, a live read, or the prober). */
export type SessionObservation =
  | { kind: 'seen'; status: WahaSessionStatus; me: { id: string; pushName?: string | null } | null }
  /** The worker answered but has no such session (it was deleted or the worker was wiped). */
  | { kind: 'missing' }
  /** The worker did not answer. */
  | { kind: 'unreachable' };

/** What a session row holds that an observation is judged against. */
export interface SessionFacts {
  phone_number: string;
  status: SessionStatus;
  connected_at: Date | null;
  phone_active_at: Date | null;
  device_active_at: Date | null;
}

/** The columns an observation may change. */
export interface SessionChanges {
  status?: SessionStatus;
  status_changed_at?: Date;
  waha_status?: WahaSessionStatus | null;
  me_id?: string | null;
  push_name?: string | null;
  connected_at?: Date | null;
  phone_active_at?: Date;
  device_active_at?: Date;
  last_error?: string | null;
}

export interface ObservedChange {
  update: SessionChanges;
  status: SessionStatus;
  /** It may send again: the caller enqueues the sender's turn so pending messages resume. */
  becameConnected: boolean;
  /** Another account scanned it just now: the caller logs the session out on its worker. */
  becameWrongAccount: boolean;
}

/** The metadata key that names the number a WAHA session belongs to (Core calls them all `default`). */
export const PHONE_TAG = 'herald.phone';

/** `21612345678@c.us` (or a device address `…:7@s.whatsapp.net`) → `21612345678`. */
export function accountDigits(meId: string): string {
  return meId.replace(/[:@].*$/, '');
}

/** The number a WAHA session (or event) is tagged with, when it carries a valid one. */
export function taggedPhone(metadata: Record<string, unknown> | null | undefined): string | null {
  const tagged = metadata?.[PHONE_TAG];
  return typeof tagged === 'string' && /^\d+$/.test(tagged) ? tagged : null;
}

/** A session as WAHA lists or returns it: what Herald needs of it. */
export interface WahaSessionFacts {
  status: WahaSessionStatus;
  me: { id: string; pushName?: string | null } | null;
  config?: { metadata?: Record<string, unknown> | null } | null;
}

/**
 * What WAHA's answer says about `phone`'s session: missing when WAHA has no such session, or has
 * it for another number (Core's shared `default` can be another number's by now).
 */
export function observationOf(
  session: WahaSessionFacts | undefined,
  phone: string,
): SessionObservation {
  if (!session) return { kind: 'missing' };
  const tagged = session.config?.metadata?.[PHONE_TAG];
  if (tagged !== undefined && tagged !== phone) return { kind: 'missing' };
  return { kind: 'seen', status: session.status, me: session.me };
}

/**
 * The row update an observation implies. Pure, so that the webhook, the live read and the prober
 * agree. A WORKING session whose account is not the session's own number (another phone scanned
 * the QR) is FAILED and never CONNECTED, so nothing is ever sent from it. The first CONNECTED of a
 * pairing is the scan: both WhatsApp inactivity clocks start from it.
 */
export function deriveSessionChange(
  row: SessionFacts,
  observation: SessionObservation,
  now: Date,
): ObservedChange {
  const update: SessionChanges = {};
  let status: SessionStatus;
  if (observation.kind === 'unreachable') {
    status = 'DISCONNECTED';
  } else if (observation.kind === 'missing') {
    update.waha_status = null;
    if (row.status === 'WRONG_ACCOUNT') {
      status = 'WRONG_ACCOUNT';
    } else {
      status = 'STOPPED';
      update.last_error =
        'The session no longer exists on its worker; POST /api/sessions to start it again';
    }
  } else {
    const { me } = observation;
    update.waha_status = observation.status;
    // An error is explained while it lasts; a session that moved on no longer has it.
    update.last_error = null;
    const account = me ? accountDigits(me.id) : null;
    if (observation.status === 'WORKING' && account !== null && account !== row.phone_number) {
      status = 'WRONG_ACCOUNT';
      update.me_id = me?.id ?? null;
      update.push_name = me?.pushName ?? null;
      update.last_error = `WhatsApp account ${account} scanned this session, not ${row.phone_number}: nothing will be sent from it; POST /api/sessions and scan with the phone of ${row.phone_number}`;
    } else if (row.status === 'WRONG_ACCOUNT' && observation.status !== 'WORKING') {
      // The logout (and stop) that follows a wrong scan must not make it look like a pairing
      // under way: it stays WRONG_ACCOUNT until POST /api/sessions starts a new pairing.
      status = 'WRONG_ACCOUNT';
      delete update.last_error;
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
  return {
    update,
    status,
    becameConnected: status === 'CONNECTED' && row.status !== 'CONNECTED',
    becameWrongAccount: status === 'WRONG_ACCOUNT' && row.status !== 'WRONG_ACCOUNT',
  };
}

/**
 * A send refused because the session is not WORKING (WAHA's 422 names the status, or not): the
 * status the session now has, or null when it is still CONNECTED as far as Herald can tell.
 */
export function statusAfterRefusedSend(
  row: { me_id: string | null; connected_at: Date | null },
  reported: string | null,
): { status: SessionStatus; waha: WahaSessionStatus | null } | null {
  const waha = isWahaSessionStatus(reported) ? reported : null;
  // A paired session its worker holds but does not run (restarted without its sessions) is
  // DISCONNECTED, not STOPPED: it keeps its slot and `restartsOnItsWorker` starts it again.
  if (waha === 'STOPPED' && row.connected_at !== null) return { status: 'DISCONNECTED', waha };
  // WAHA said "not WORKING" without naming a status: all we know is that it cannot send.
  const status = waha
    ? toSessionStatus(waha, {
        meKnown: row.me_id !== null,
        everConnected: row.connected_at !== null,
        workerReachable: true,
      })
    : 'DISCONNECTED';
  return status === 'CONNECTED' ? null : { status, waha };
}

function latest(a: Date | null, b: Date): Date {
  return a && a > b ? a : b;
}

/**
 * A paired session its worker still has but no longer runs (the worker restarted without
 * restarting its sessions): Herald starts it again rather than waiting for the user. WAHA then
 * restores it from its store (WORKING, sending resumes) or asks for a QR, which is reported as
 * needing re-pairing like any QR after a connection.
 */
export function restartsOnItsWorker(
  row: { status: SessionStatus; connected_at: Date | null },
  observation: SessionObservation,
): boolean {
  return (
    observation.kind === 'seen' &&
    observation.status === 'STOPPED' &&
    row.connected_at !== null &&
    (row.status === 'CONNECTED' || row.status === 'DISCONNECTED')
  );
}
