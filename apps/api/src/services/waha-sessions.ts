import { findWorkerCredentials } from '@herald/db';
import {
  HeraldError,
  observationOf,
  PHONE_TAG,
  type SessionObservation,
  TIMED_OUT,
  unavailable,
  withDeadline,
} from '@herald/domain';
import {
  isWahaError,
  MESSAGE_STORE_CONFIG,
  type WahaClient,
  type WahaSession,
  type WahaSessionConfig,
  workerCannotServe,
  workerDidNotAnswer,
} from '@herald/waha';
import type { AppDeps } from '../deps.ts';

/** The events Herald acts on; everything else WAHA could send is noise here. */
export const WEBHOOK_EVENTS = ['session.status', 'message', 'message.any', 'message.ack'];

/**
 * WAHA's configuration for a session Herald owns: who it belongs to, where its events go, and
 * NOWEB's message store, without which WAHA cannot tell Herald what an UNKNOWN send became
 * (the chat history; other engines ignore it).
 */
export function sessionConfig(deps: AppDeps, phone: string): WahaSessionConfig {
  return {
    // Core names every session `default`, so the number travels in the metadata of each event.
    metadata: { [PHONE_TAG]: phone },
    ...MESSAGE_STORE_CONFIG,
    webhooks: [
      {
        url: `${deps.publicUrl}/api/webhooks/waha`,
        events: WEBHOOK_EVENTS,
        hmac: { key: deps.webhookHmacKey },
        retries: { policy: 'constant', delaySeconds: 2, attempts: 10 },
      },
    ],
  };
}

/** The client of a worker by id; 503 when the worker row is gone. */
export async function wahaClientFor(deps: AppDeps, workerId: number): Promise<WahaClient> {
  const worker = await findWorkerCredentials(deps.db, workerId);
  if (!worker) throw unavailable('WORKER_UNAVAILABLE', 'The session’s worker no longer exists');
  return deps.waha.clientFor({ url: worker.url, apiKey: worker.api_key });
}

/**
 * Creates and starts a session, or, when WAHA already has one by that name (a retry, or Core's
 * `default` left from before), rewrites its configuration and starts it.
 */
export async function ensureSessionStarted(
  client: WahaClient,
  name: string,
  config: WahaSessionConfig,
): Promise<WahaSession> {
  try {
    return await client.createSession({ name, start: true, config });
  } catch (error) {
    if (!isWahaError(error) || error.code !== 'SESSION_EXISTS') throw error;
  }
  // PUT restarts a running session with the new configuration, so it may be started already.
  await client.updateSession(name, config);
  try {
    return await client.startSession(name);
  } catch (error) {
    if (isWahaError(error) && error.code === 'SESSION_ALREADY_STARTED') {
      return client.getSession(name);
    }
    throw error;
  }
}

/** A session's WAHA object without its config, which carries the webhook HMAC key. */
export function publicSessionData(session: WahaSession): Record<string, unknown> {
  const { config: _config, ...rest } = session;
  return rest;
}

/** A WAHA failure as the API reports it: 503 when the worker is unreachable, else 502. */
export function toWorkerError(error: unknown): unknown {
  if (!isWahaError(error)) return error;
  if (workerDidNotAnswer(error)) {
    return unavailable(
      'WORKER_UNAVAILABLE',
      'The session’s WAHA worker is not answering; try again later',
      {
        waha_code: error.code,
      },
    );
  }
  return new HeraldError(
    'upstream',
    'WAHA_ERROR',
    `The WAHA worker refused the request (${error.code})`,
    {
      waha_code: error.code,
      waha_status: error.status,
    },
  );
}

export interface LiveRead {
  /** null when WAHA said nothing usable in time. */
  observation: SessionObservation | null;
  live: WahaSession | null;
}

/**
 * Reads a session from its worker as an observation: its state, `missing` (404, or the name now
 * belongs to another number), `unreachable` (the worker cannot serve Herald), or nothing (slow
 * or other errors), bounded by `timeoutMs`.
 */
export async function readLiveSession(
  client: WahaClient,
  name: string,
  phone: string,
  timeoutMs: number,
): Promise<LiveRead> {
  try {
    const answer = await withDeadline(client.getSession(name), timeoutMs);
    if (answer === TIMED_OUT) return { observation: null, live: null };
    const observation = observationOf(answer, phone);
    return { observation, live: observation.kind === 'seen' ? answer : null };
  } catch (error) {
    if (!isWahaError(error)) throw error;
    if (error.code === 'NOT_FOUND') return { observation: { kind: 'missing' }, live: null };
    if (workerCannotServe(error)) return { observation: { kind: 'unreachable' }, live: null };
    return { observation: null, live: null };
  }
}
