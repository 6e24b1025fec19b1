import {
  enqueueSenderTurn,
  FRESH_PAIRING,
  findSession,
  forgetUnusedSender,
  lockOrCreateSender,
  markWorkerUnhealthy,
  observeSession,
  type Placement,
  releaseSessionSlot,
  reserveSessionSlot,
  type SessionView,
  updateSession,
  withSessionOpenLock,
} from '@herald/db';
import { unavailable } from '@herald/domain';
import { isWahaError, type WahaSession, workerCannotServe, workerDidNotAnswer } from '@herald/waha';
import type { AppDeps } from '../deps.ts';
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

export interface OpenedSession {
  /** A WAHA session was created for this request (a new number, or one moved to a new worker). */
  created: boolean;
  session: SessionView;
  live: WahaSession | null;
}

/**
 * POST /api/sessions. A new number is placed on the least-loaded worker with room and started
 * there. A known number keeps its session; it is started again for a fresh QR when it ended
 * (FAILED, EXPIRED, STOPPED), and moved to another worker when its worker was deleted or
 * disabled, or is down while the session needs a (new) pairing anyway. Otherwise its current
 * state is returned as is (a paired session on a worker that is down reports DISCONNECTED).
 */
export function openSession(deps: AppDeps, phone: string): Promise<OpenedSession> {
  // One opening of a number at a time: a second one then finds the first's session.
  return withSessionOpenLock(deps.db, phone, (conn) => openLocked({ ...deps, db: conn }, phone));
}

async function openLocked(deps: AppDeps, phone: string): Promise<OpenedSession> {
  await deps.db.transaction().execute((trx) => lockOrCreateSender(trx, phone));
  const existing = await findSession(deps.db, phone);
  if (existing) {
    const ended = ['FAILED', 'EXPIRED', 'STOPPED'].includes(existing.status);
    const workerGone = existing.worker_id === null || existing.worker_enabled === false;
    // A session that must be paired (again) loses nothing by moving off a worker that is down;
    // a paired one waits for its worker, since moving it would cost a new scan.
    const needsPairing =
      existing.connected_at === null ||
      existing.status === 'FAILED' ||
      existing.status === 'EXPIRED';
    if (workerGone || (needsPairing && existing.worker_healthy === false)) {
      const moved = await placeAndStart(deps, phone);
      // The old copy would hold a slot (and Core's only session) on a worker it no longer uses.
      if (existing.worker_id !== null && existing.worker_healthy) {
        await endOnWorker(deps, existing.worker_id, existing.waha_session);
      }
      return { ...moved, created: true };
    }
    if (ended && existing.worker_id !== null) {
      await restartSession(deps, existing, existing.worker_id).catch((error: unknown) => {
        throw toWorkerError(error);
      });
    }
    return { created: false, ...(await readSession(deps, phone)) };
  }
  try {
    return { ...(await placeAndStart(deps, phone)), created: true };
  } catch (error) {
    // The number was new: a creation that failed leaves no user behind.
    await forgetUnusedSender(deps.db, phone);
    throw error;
  }
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
 * WAHA forgets the old pairing (or the wrong account) and shows a new QR.
 */
async function restartSession(
  deps: AppDeps,
  session: SessionView,
  workerId: number,
): Promise<void> {
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
  if (change?.becameConnected) await enqueueSenderTurn(deps.boss, phone);
}

async function mustFind(deps: AppDeps, phone: string): Promise<SessionView> {
  const session = await findSession(deps.db, phone);
  if (!session) throw unavailable('SESSION_GONE', 'The session was removed while it was starting');
  return session;
}
