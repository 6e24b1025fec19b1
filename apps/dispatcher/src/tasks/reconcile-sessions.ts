import {
  type Database,
  enqueueSenderTurn,
  listWorkerSessions,
  observationChanges,
  observeSession,
  stopStalePairing,
  type WorkerSession,
} from '@herald/db';
import { observationOf, restartsOnItsWorker, type SessionObservation } from '@herald/domain';
import type { Logger } from '@herald/logging';
import type { WahaClient } from '@herald/waha';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';

/** What the worker-health tasks need; a dispatcher's DispatchContext provides all of it. */
export interface SessionTaskDeps {
  db: Kysely<Database>;
  boss: PgBoss;
  logger: Logger;
  /** Injected clock for the session timestamps (expiry clocks); default the wall clock. */
  now?: () => Date;
  /** A pairing not completed this long after it began is stopped (default 300 s). */
  pairingTimeoutSeconds?: number;
}

const DEFAULT_PAIRING_TIMEOUT_SECONDS = 300;

export interface ReconcileReport {
  /** Sessions whose stored state changed. */
  corrected: string[];
  /** Pairings nobody completed in time: stopped, their slots freed. */
  stopped: string[];
  /** Sessions that became CONNECTED: their turns were enqueued so sending resumes. */
  resumed: string[];
  /** Paired sessions the worker had but no longer ran: started again (`restartsOnItsWorker`). */
  restarted: string[];
}

/**
 * A session row written this recently may not exist on WAHA yet: the gateway commits the row
 * before it calls WAHA to create the session, so "missing" is not trusted inside this window.
 */
const CREATION_GRACE_MS = 60_000;
/**
 * A row changed this recently was changed by something fresher than this pass's list (a webhook,
 * a live read, a send): the list may predate it, so it must not take a session out of CONNECTED
 * or keep it from connecting. Only reconnections apply at once; the rest waits one pass.
 */
const RECENT_CHANGE_GRACE_MS = 10_000;

/**
 * Corrects Herald's rows for one reachable worker from WAHA's own list, for whatever a lost or
 * late webhook left stale. A row whose session WAHA does not have (or has for another number, as
 * Core's shared `default` can be) becomes STOPPED, so POST /api/sessions creates it again.
 */
export async function reconcileWorkerSessions(
  deps: SessionTaskDeps,
  workerId: number,
  client: WahaClient,
  /** The worker's rows when the caller read them already (a prober, for a whole batch). */
  known?: WorkerSession[],
): Promise<ReconcileReport> {
  const report: ReconcileReport = { corrected: [], stopped: [], resumed: [], restarted: [] };
  const rows = known ?? (await listWorkerSessions(deps.db, workerId));
  if (rows.length === 0) return report;
  const live = new Map((await client.listSessions({ all: true })).map((s) => [s.name, s]));
  const now = deps.now?.() ?? new Date();
  for (const row of rows) {
    if (await stopIfUnpaired(deps, workerId, client, row)) {
      report.stopped.push(row.phone_number);
      continue;
    }
    const session = live.get(row.waha_session);
    const observation = observationOf(session, row.phone_number);
    const age = Date.now() - row.updated_at.getTime();
    if (observation.kind === 'missing' && age < CREATION_GRACE_MS) continue;
    if (!reconnects(observation) && age < RECENT_CHANGE_GRACE_MS) continue;
    if (restartsOnItsWorker(row, observation)) {
      // The row keeps its status meanwhile: the next pass sees what WAHA made of the start.
      await client.startSession(row.waha_session).catch((error: unknown) => {
        deps.logger.warn('restarting a session failed', {
          sender: row.phone_number,
          error: String(error),
        });
      });
      report.restarted.push(row.phone_number);
      continue;
    }
    // The pass's own read says the row already holds what WAHA says: nothing to read again.
    if (Object.keys(observationChanges(row, observation, now).changed).length === 0) continue;
    const change = await observeSession(
      deps.db,
      { phone: row.phone_number, workerId, wahaSession: row.waha_session },
      observation,
      now,
    );
    if (!change) continue;
    if (change.status !== row.status) report.corrected.push(row.phone_number);
    if (change.becameWrongAccount) await endQuietly(client, row.waha_session, true);
    if (change.becameConnected) {
      await enqueueSenderTurn(deps.boss, row.phone_number);
      report.resumed.push(row.phone_number);
    }
  }
  if (report.corrected.length > 0 || report.stopped.length > 0 || report.restarted.length > 0) {
    deps.logger.info('sessions reconciled', { workerId, ...report });
  }
  return report;
}

/** WORKING with a known account: the one observation applied however fresh the row is. */
const reconnects = (o: SessionObservation) =>
  o.kind === 'seen' && o.status === 'WORKING' && o.me !== null;

/**
 * A QR nobody scanned must not hold a slot forever (WAHA itself may keep showing new ones): past
 * the pairing timeout the row is STOPPED first, so the slot is free even if WAHA does not answer,
 * then the session is stopped on its worker.
 */
async function stopIfUnpaired(
  deps: SessionTaskDeps,
  workerId: number,
  client: WahaClient,
  row: { phone_number: string; waha_session: string; status: string },
): Promise<boolean> {
  if (row.status !== 'STARTING' && row.status !== 'WAITING_FOR_SCAN') return false;
  const stopped = await stopStalePairing(deps.db, {
    phone: row.phone_number,
    workerId,
    olderThanSeconds: deps.pairingTimeoutSeconds ?? DEFAULT_PAIRING_TIMEOUT_SECONDS,
  });
  if (stopped) await endQuietly(client, row.waha_session, false);
  return stopped;
}

/** Stops a session on its worker (logging it out first when asked), best effort. */
async function endQuietly(client: WahaClient, name: string, logout: boolean): Promise<void> {
  if (logout) await client.logoutSession(name).catch(() => undefined);
  await client.stopSession(name).catch(() => undefined);
}
