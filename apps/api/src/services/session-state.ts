import {
  deleteSessionRow,
  findSession,
  observeSession,
  type SessionView,
  updateSession,
} from '@herald/db';
import { conflict, notFound, unavailable, withDeadline } from '@herald/domain';
import { isWahaError, type WahaSession, workerDidNotAnswer } from '@herald/waha';
import type { AppDeps } from '../deps.ts';
import { followSessionChange } from './session-follow-up.ts';
import { readLiveSession, toWorkerError, wahaClientFor } from './waha-sessions.ts';

export interface SessionRead {
  session: SessionView;
  /** WAHA's answer when it was read live just now; null when the stored state is all we have. */
  live: WahaSession | null;
}

/** How long ending a session on its worker may hold up a DELETE before the row goes anyway. */
const END_ON_WORKER_MS = 10_000;

export const sessionNotFound = (phone: string) =>
  notFound('SESSION_NOT_FOUND', `No session for ${phone}; create one with POST /api/sessions`);

async function mustFindSession(deps: AppDeps, phone: string): Promise<SessionView> {
  const session = await findSession(deps.db, phone);
  if (!session) throw sessionNotFound(phone);
  return session;
}

/**
 * The session, refreshed from its worker when that worker is usable (bounded by
 * SESSION_REFRESH_TIMEOUT_MS); otherwise, or when WAHA is slow, the stored state. A refresh also
 * corrects the stored row, so a webhook that never arrived cannot leave it stale.
 */
export async function readSession(deps: AppDeps, phone: string): Promise<SessionRead> {
  const stored = await mustFindSession(deps, phone);
  if (!stored.worker_usable || stored.worker_id === null) return { session: stored, live: null };
  const live = await refreshFromWorker(deps, stored, stored.worker_id);
  return { session: (await findSession(deps.db, phone)) ?? stored, live };
}

async function refreshFromWorker(
  deps: AppDeps,
  stored: SessionView,
  workerId: number,
): Promise<WahaSession | null> {
  const client = await wahaClientFor(deps, workerId);
  let live: WahaSession | null = null;
  // Applied only if no webhook wrote the row during the read (else read again), so an older
  // answer cannot overwrite it.
  const change = await observeSession(
    deps.db,
    { phone: stored.phone_number, workerId, wahaSession: stored.waha_session },
    async () => {
      const read = await readLiveSession(
        client,
        stored.waha_session,
        stored.phone_number,
        deps.config.sessionRefreshTimeoutMs,
      );
      live = read.live;
      return read.observation;
    },
    deps.now,
  );
  await followSessionChange(
    deps,
    { phone: stored.phone_number, workerId, wahaSession: stored.waha_session },
    change,
  );
  return live;
}

export type QrAnswer =
  | { status: 'CONNECTED' }
  | { status: 'WAITING_FOR_SCAN'; qr_code: string; expires_at: Date; message: null };

const needsRestart = (phone: string, why: string) =>
  conflict(
    'SESSION_NEEDS_RESTART',
    `${why}: POST /api/sessions with {"phone_number":"${phone}"} for a new QR code`,
  );

/** GET /api/sessions/{phone}/qr: the QR to scan, or CONNECTED once the account is linked. */
export async function getSessionQr(deps: AppDeps, phone: string): Promise<QrAnswer> {
  const stored = await mustFindSession(deps, phone);
  if (stored.worker_id === null || stored.worker_enabled === false) {
    throw needsRestart(phone, 'The session’s worker was removed or disabled');
  }
  if (stored.worker_healthy === false) {
    throw unavailable('WORKER_UNAVAILABLE', 'The session’s WAHA worker is down; try again later');
  }
  const { session } = await readSession(deps, phone);
  const settled = settledAnswer(session);
  if (settled) return settled;
  const client = await wahaClientFor(deps, stored.worker_id);
  try {
    const qr = await client.getQrImage(session.waha_session);
    const expiresAt = new Date(deps.now().getTime() + deps.config.qrTtlSeconds * 1000);
    await updateSession(deps.db, phone, { qr_expires_at: expiresAt });
    return { status: 'WAITING_FOR_SCAN', qr_code: qr.data, expires_at: expiresAt, message: null };
  } catch (error) {
    if (!isWahaError(error) || error.code !== 'SESSION_STATUS') throw toWorkerError(error);
    // The session moved on while WAHA waited (scanned, failed, or still starting).
    const { session: now } = await readSession(deps, phone);
    const answer = settledAnswer(now);
    if (answer) return answer;
    throw unavailable('QR_NOT_READY', `The session is ${now.status}; ask again in a few seconds`, {
      status: now.status,
    });
  }
}

function settledAnswer(session: SessionView): { status: 'CONNECTED' } | undefined {
  const phone = session.phone_number;
  if (session.status === 'CONNECTED') return { status: 'CONNECTED' };
  if (['FAILED', 'EXPIRED', 'WRONG_ACCOUNT'].includes(session.status)) {
    throw needsRestart(phone, session.last_error ?? `The session is ${session.status}`);
  }
  if (session.status === 'STOPPED') throw needsRestart(phone, 'The session is stopped');
  if (session.status === 'DISCONNECTED') {
    throw unavailable(
      'WORKER_UNAVAILABLE',
      'The session’s WAHA worker is not answering; try again later',
    );
  }
  return undefined;
}

export type SessionPresence = 'active in memory' | 'saved in DB' | 'not found';

/** GET /api/sessions/{n}/status: live and WORKING on its worker now, only stored, or unknown. */
export async function describeSessionPresence(deps: AppDeps, phone: string) {
  const stored = await findSession(deps.db, phone);
  if (!stored) return { presence: 'not found' as SessionPresence, session: null };
  const { session, live } = await readSession(deps, phone);
  const active = live?.status === 'WORKING' && session.status === 'CONNECTED';
  return { presence: (active ? 'active in memory' : 'saved in DB') as SessionPresence, session };
}

/**
 * Logs the session out and deletes it on its worker, best effort and bounded in time: a worker
 * that is down must not keep an admin from freeing the slot. Returns whether the worker confirmed.
 */
export async function endOnWorker(
  deps: AppDeps,
  workerId: number,
  wahaSession: string,
): Promise<boolean> {
  try {
    const client = await wahaClientFor(deps, workerId);
    const ending = (async () => {
      // Logout fails on a session that is not running; the delete that follows unpairs it anyway.
      await client.logoutSession(wahaSession).catch(() => undefined);
      await client.deleteSession(wahaSession);
      return true;
    })();
    return (await withDeadline(ending, END_ON_WORKER_MS)) === true;
  } catch (error) {
    deps.logger.warn('could not end a session on its worker', {
      workerId,
      wahaSession,
      code: isWahaError(error) ? error.code : undefined,
      unreachable: workerDidNotAnswer(error),
    });
    return false;
  }
}

/** DELETE /api/sessions/{n}: ends it on its worker, then removes the row (freeing the slot). */
export async function removeSession(deps: AppDeps, phone: string) {
  const session = await mustFindSession(deps, phone);
  const confirmed =
    session.worker_id === null
      ? true
      : await endOnWorker(deps, session.worker_id, session.waha_session);
  await deleteSessionRow(deps.db, phone);
  deps.logger.info('session deleted', { phone, workerId: session.worker_id, confirmed });
  return {
    phone_number: phone,
    status: 'DELETED' as const,
    message: confirmed
      ? 'Session logged out and deleted; pending messages of this sender wait for a new session'
      : 'Session deleted from Herald; its worker did not confirm the logout (it may be down). Pending messages wait for a new session',
  };
}
