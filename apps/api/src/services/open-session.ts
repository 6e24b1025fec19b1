import {
  ensureSenderRow,
  FRESH_PAIRING,
  findSession,
  forgetUnusedSender,
  markWorkerUnhealthy,
  OPENING_BUSY,
  observeSession,
  type Placement,
  reclaimSessionSlot,
  releaseSessionSlot,
  reserveSessionSlot,
  type SessionView,
  updateSession,
  withOpeningLease,
} from '@herald/db';
import { conflict, isSessionEnded, unavailable } from '@herald/domain';
import { isWahaError, type WahaSession, workerCannotServe, workerDidNotAnswer } from '@herald/waha';
import type { AppDeps } from '../deps.ts';
import type { Caller } from '../http/auth.ts';
import { issueSenderToken, senderTokenRequired } from './sender-tokens.ts';
import { followSessionChange } from './session-follow-up.ts';
import { endOnWorker, readSession } from './session-state.ts';
import {
  ensureSessionStarted,
  readLiveSession,
  sessionConfig,
  toWorkerError,
  wahaClientFor,
} from './waha-sessions.ts';

/** How many workers one POST /api/sessions tries before answering 503. */
const PLACEMENT_ATTEMPTS = 3;
/** An opening's claim on its number lapses this long after its holder stopped renewing it. */
const OPENING_LEASE_MS = 15_000;

export interface OpenedSession {
  /** A WAHA session was created for this request (a new number, or one moved to a new worker). */
  created: boolean;
  session: SessionView;
  live: WahaSession | null;
  /** Set when this opening started a new pairing: the new token, shown this once. */
  senderToken?: string;
}

/**
 * POST /api/sessions. A new number is placed on the least-loaded worker with room and started
 * there. A known number keeps its session; it is started again for a fresh QR when it ended
 * (FAILED, EXPIRED, STOPPED, WRONG_ACCOUNT), and moved to another worker when its worker was
 * deleted or disabled, or is down (or full) while the session needs a (new) pairing anyway.
 * Otherwise its current state is returned as is. Every new pairing rotates the sender token.
 */
export async function openSession(
  deps: AppDeps,
  phone: string,
  caller: Caller,
): Promise<OpenedSession> {
  // One opening of a number at a time: a second one then finds the first's session.
  const opened = await withOpeningLease(
    deps.db,
    phone,
    { leaseMs: OPENING_LEASE_MS, waitMs: 2 * deps.config.wahaTimeoutMs },
    () => openLeased(deps, phone, caller),
  );
  if (opened === OPENING_BUSY) {
    throw conflict(
      'SESSION_OPENING',
      'Another request is opening the session of this number; try again in a few seconds',
    );
  }
  return opened;
}

/**
 * A session that keeps its pairing (or a pairing under way) belongs to its token's holder:
 * nobody else may restart, move or re-pair it, nor get a token for it. One that lost its pairing
 * may be paired again by anyone, which rotates the token (the new QR must still be scanned by
 * the number's own phone, or the session ends WRONG_ACCOUNT).
 */
function keepsPairing(session: SessionView): boolean {
  if (!isSessionEnded(session.status)) return true;
  return session.status === 'STOPPED' && session.connected_at !== null;
}

async function openLeased(deps: AppDeps, phone: string, caller: Caller): Promise<OpenedSession> {
  await ensureSenderRow(deps.db, phone);
  const existing = await findSession(deps.db, phone);
  const holder = caller.kind === 'admin' || caller.sender === phone;
  if (existing && !holder && keepsPairing(existing)) {
    if (deps.config.userAuth === 'token') throw senderTokenRequired();
    return { created: false, ...(await readSession(deps, phone)) };
  }
  const opened = await openHeld(deps, phone, existing);
  if (!opened.repaired) return opened;
  return { ...opened, senderToken: await issueSenderToken(deps, phone) };
}

async function openHeld(
  deps: AppDeps,
  phone: string,
  existing: SessionView | undefined,
): Promise<OpenedSession & { repaired: boolean }> {
  if (!existing) {
    try {
      return { ...(await placeAndStart(deps, phone)), created: true, repaired: true };
    } catch (error) {
      // The number was new: a creation that failed leaves no user behind.
      await forgetUnusedSender(deps.db, phone);
      throw error;
    }
  }
  const ended = isSessionEnded(existing.status);
  const workerGone = existing.worker_id === null || existing.worker_enabled === false;
  // A session that must be paired (again) loses nothing by moving off a worker that is down;
  // a paired one waits for its worker, since moving it would cost a new scan.
  const needsPairing = existing.connected_at === null || (ended && existing.status !== 'STOPPED');
  const workerDown = existing.worker_healthy === false;
  if (ended && !workerGone && workerDown && !needsPairing) {
    throw unavailable('WORKER_UNAVAILABLE', 'The session’s WAHA worker is down; try again later');
  }
  const workerId = existing.worker_id;
  const reclaimed =
    ended && !workerGone && workerId !== null
      ? await deps.db.transaction().execute((trx) =>
          reclaimSessionSlot(trx, {
            phone,
            workerId,
            maxLiveSessions: deps.config.maxLiveSessions,
          }),
        )
      : false;
  const mustMove = workerGone || (needsPairing && workerDown) || (ended && !reclaimed);
  if (mustMove) {
    const moved = await placeAndStart(deps, phone);
    // The old copy would hold a slot (and Core's only session) on a worker it no longer uses.
    if (existing.worker_id !== null && existing.worker_healthy) {
      await endOnWorker(deps, existing.worker_id, existing.waha_session);
    }
    return { ...moved, created: true, repaired: true };
  }
  let repaired = false;
  if (reclaimed && existing.worker_id !== null) {
    repaired = await restartSession(deps, existing, existing.worker_id).catch(
      async (error: unknown) => {
        await updateSession(deps.db, phone, {
          status: 'STOPPED',
          last_error: 'WAHA could not restart the session; POST /api/sessions to try again',
        });
        throw toWorkerError(error);
      },
    );
  }
  return { created: false, repaired, ...(await readSession(deps, phone)) };
}

async function placeAndStart(deps: AppDeps, phone: string) {
  const tried: number[] = [];
  const failures: { worker_id: number; code: string }[] = [];
  for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt += 1) {
    const placement = await deps.db.transaction().execute((trx) =>
      reserveSessionSlot(trx, {
        phone,
        maxLiveSessions: deps.config.maxLiveSessions,
        excludeWorkerIds: tried,
      }),
    );
    if (!placement) break;
    tried.push(placement.worker_id);
    try {
      return await startPlaced(deps, phone, placement);
    } catch (error) {
      await releaseSessionSlot(
        deps.db,
        { ...placement, phone },
        'WAHA could not start the session',
      );
      if (!isWahaError(error)) throw error;
      failures.push({ worker_id: placement.worker_id, code: error.code });
      deps.logger.warn('worker could not start a session', {
        workerId: placement.worker_id,
        phone,
        code: error.code,
        error: error.message,
      });
      if (workerCannotServe(error)) {
        await markWorkerUnhealthy(deps.db, placement.worker_id, error.message);
      }
    }
  }
  if (failures.length > 0) {
    throw unavailable(
      'WORKER_UNAVAILABLE',
      'No WAHA worker could start the session; try again later',
      {
        attempts: failures,
      },
    );
  }
  throw unavailable(
    'NO_CAPACITY',
    'Every healthy worker is full (or none is registered); free a session or add a worker',
  );
}

async function startPlaced(deps: AppDeps, phone: string, placement: Placement) {
  const client = await wahaClientFor(deps, placement.worker_id);
  const live = await ensureSessionStarted(
    client,
    placement.waha_session,
    sessionConfig(deps, phone),
  );
  await applyLive(deps, phone, placement.worker_id, live);
  deps.logger.info('session placed', {
    phone,
    workerId: placement.worker_id,
    wahaSession: placement.waha_session,
  });
  return { session: await mustFind(deps, phone), live };
}

/**
 * Starts an ended session again on its worker. A logged-out or failed one is logged out first, so
 * WAHA forgets the old pairing (or the wrong account) and shows a new QR. Returns whether it did
 * (a new pairing starts).
 */
async function restartSession(
  deps: AppDeps,
  session: SessionView,
  workerId: number,
): Promise<boolean> {
  const client = await wahaClientFor(deps, workerId);
  const unpair = session.status !== 'STOPPED';
  if (unpair) {
    await client.logoutSession(session.waha_session).catch((error: unknown) => {
      if (!isWahaError(error) || workerDidNotAnswer(error)) throw error;
    });
    await updateSession(deps.db, session.phone_number, {
      ...FRESH_PAIRING,
      status_changed_at: deps.now(),
    });
  }
  const live = await ensureSessionStarted(
    client,
    session.waha_session,
    sessionConfig(deps, session.phone_number),
  );
  await applyLive(deps, session.phone_number, workerId, live);
  deps.logger.info('session restarted', { phone: session.phone_number, workerId, unpair });
  // A session stopped before it was ever paired shows a new QR too.
  return unpair || session.connected_at === null;
}

/**
 * Records the state of a session just started. WAHA's events may already be on their way, so the
 * state is read again (falling back to the start's answer) and never replaces a newer one.
 */
async function applyLive(deps: AppDeps, phone: string, workerId: number, started: WahaSession) {
  const client = await wahaClientFor(deps, workerId);
  const change = await observeSession(
    deps.db,
    { phone, workerId },
    async () => {
      const read = await readLiveSession(
        client,
        started.name,
        phone,
        deps.config.sessionRefreshTimeoutMs,
      );
      return read.observation ?? { kind: 'seen', status: started.status, me: started.me };
    },
    deps.now,
  );
  await followSessionChange(deps, { phone, workerId, wahaSession: started.name }, change);
}

async function mustFind(deps: AppDeps, phone: string): Promise<SessionView> {
  const session = await findSession(deps.db, phone);
  if (!session) throw unavailable('SESSION_GONE', 'The session was removed while it was starting');
  return session;
}
