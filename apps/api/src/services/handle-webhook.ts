import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  claimWebhookEvent,
  findSession,
  isHeraldSend,
  observeSession,
  recordErrorAck,
  recordMessageAck,
  recordPhoneActivity,
  releaseWebhookEvent,
  resolveUnknownByEvent,
  type Session,
} from '@herald/db';
import {
  accountDigits,
  DEFAULT_SETTLE_SECONDS,
  HeraldError,
  type SessionObservation,
  taggedPhone,
} from '@herald/domain';
import {
  MessageAckPayloadSchema,
  MessageAnyPayloadSchema,
  SessionStatusPayloadSchema,
  type WahaWebhookEvent,
} from '@herald/waha';
import type { AppDeps } from '../deps.ts';
import { onIncomingMessage } from './opt-out.ts';
import { followSessionChange } from './session-follow-up.ts';
import { readLiveSession, wahaClientFor } from './waha-sessions.ts';

/** Hex HMAC-SHA512 of the exact bytes received, compared in constant time. */
export function isValidSignature(rawBody: Buffer, signature: string | undefined, key: string) {
  if (!signature) return false;
  const expected = createHmac('sha512', key).update(rawBody).digest();
  const given = Buffer.from(signature.trim(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function assertSignedByWaha(deps: AppDeps, rawBody: Buffer, signature?: string) {
  if (!isValidSignature(rawBody, signature, deps.webhookHmacKey)) {
    throw new HeraldError(
      'unauthorized',
      'WEBHOOK_SIGNATURE_INVALID',
      'The X-Webhook-Hmac header is missing or does not match the body',
    );
  }
}

type Envelope = WahaWebhookEvent;

export type WebhookOutcome = { event: string; phone: string | null; result: string };

/**
 * Applies one WAHA event. The sender is named by the session's `herald.phone` metadata (Core
 * names every session `default`), else by a session name made of digits. Anything Herald does
 * not act on, or cannot tie to a session, is acknowledged and ignored: WAHA would otherwise
 * retry it for nothing.
 */
export async function handleWahaEvent(deps: AppDeps, envelope: Envelope): Promise<WebhookOutcome> {
  const phone = senderOf(envelope);
  const outcome = (result: string) => ({ event: envelope.event, phone, result });
  const maxAge = deps.config.webhookMaxAgeSeconds;
  const refused = refusalOf(envelope, maxAge);
  if (refused) return outcome(refused);
  // An accepted event could be posted again while it is fresh: up to 2 x maxAge after the first
  // copy arrived (it may have come maxAge early by the clocks). Its id is kept that long.
  if (!(await claimWebhookEvent(deps.db, envelope.id as string, 2 * maxAge + 60))) {
    return outcome('ignored: duplicate');
  }
  try {
    return outcome(await applyEvent(deps, envelope, phone));
  } catch (error) {
    // Not applied: WAHA's retry of it must not be taken for a duplicate.
    await releaseWebhookEvent(deps.db, envelope.id as string).catch(() => undefined);
    throw error;
  }
}

function applyEvent(deps: AppDeps, envelope: Envelope, phone: string | null): Promise<string> {
  switch (envelope.event) {
    case 'session.status':
      return onSessionStatus(deps, envelope, phone);
    case 'message.ack':
      return onMessageAck(deps, envelope, phone);
    case 'message.any':
      return onMessageAny(deps, envelope, phone);
    case 'message':
      return onIncomingMessage(deps, envelope, phone);
    default:
      return Promise.resolve('ignored');
  }
}

/**
 * The HMAC proves WAHA signed an event, not that this is its first delivery. Every event must
 * carry its id and timestamp, and be within maxAge of now either way: an old copy (a replay) is
 * dropped whatever its type. WAHA stamps events with its wall clock, so the age is measured
 * against the wall clock too (not the injectable clock the expiry logic uses).
 */
function refusalOf(envelope: Envelope, maxAgeSeconds: number): string | null {
  if (!envelope.id || envelope.timestamp === undefined) return 'ignored: no id or timestamp';
  if (Math.abs(Date.now() - envelope.timestamp) > maxAgeSeconds * 1000) {
    return 'ignored: outside the time window';
  }
  return null;
}

function senderOf(envelope: Envelope): string | null {
  const tagged = taggedPhone(envelope.metadata);
  if (tagged) return tagged;
  if (envelope.session && /^\d+$/.test(envelope.session)) return envelope.session;
  return null;
}

/**
 * WAHA delivers events concurrently and retries them, so a session.status event may arrive after a
 * newer one. The event is therefore a cue: the session's state is read from its worker, and the
 * event's own status is used only when the worker does not answer that read, and then only if the
 * event is newer than the row's last status change (a retried SCAN_QR_CODE must not undo WORKING).
 */
async function onSessionStatus(deps: AppDeps, envelope: Envelope, phone: string | null) {
  const payload = SessionStatusPayloadSchema.safeParse(envelope.payload);
  if (!phone || !payload.success) return 'ignored';
  const session = await findSession(deps.db, phone);
  if (!session || (envelope.session && envelope.session !== session.waha_session))
    return 'unknown session';
  const me = envelope.me ?? payload.data.me ?? null;
  const told: SessionObservation = {
    kind: 'seen',
    status: payload.data.status,
    me: me && { id: me.id, pushName: me.pushName ?? null },
  };
  // An event without a timestamp cannot be ordered: it is only a cue.
  const toldIfNewer = (row: Session) =>
    (envelope.timestamp ?? 0) > row.status_changed_at.getTime() ? told : null;
  const workerId = session.worker_id;
  const client = workerId === null ? null : await wahaClientFor(deps, workerId).catch(() => null);
  const change = await observeSession(
    deps.db,
    { phone, wahaSession: session.waha_session, ...(workerId === null ? {} : { workerId }) },
    async (row) => {
      if (!client) return toldIfNewer(row);
      const read = await readLiveSession(
        client,
        session.waha_session,
        phone,
        deps.config.sessionRefreshTimeoutMs,
      );
      const answered = read.observation !== null && read.observation.kind !== 'unreachable';
      return answered ? read.observation : toldIfNewer(row);
    },
    deps.now,
  );
  if (!change) return 'not applied';
  await followSessionChange(
    deps,
    { phone, workerId: session.worker_id, wahaSession: session.waha_session },
    change,
  );
  return change.status;
}

async function onMessageAck(deps: AppDeps, envelope: Envelope, phone: string | null) {
  const payload = MessageAckPayloadSchema.safeParse(envelope.payload);
  if (!payload.success) return 'ignored';
  const matched = await recordMessageAck(deps.db, {
    wahaMessageId: payload.data.id,
    level: payload.data.ack,
    at: deps.now(),
    ...(phone ? { senderNumber: phone } : {}),
  });
  if (matched > 0 && payload.data.ack === -1) {
    const trip = await recordErrorAck(deps.db, {
      wahaMessageId: payload.data.id,
      ...(phone ? { senderNumber: phone } : {}),
    });
    if (trip) deps.logger.warn('sender paused by its health rule', { sender: phone, ...trip });
  }
  return matched > 0 ? `ack ${payload.data.ack}` : 'unknown message';
}

/**
 * A message sent from the account that Herald did not send was typed on the phone (or another of
 * the account's own devices): the phone is in use, which restarts WhatsApp's 14-day clock.
 */
/**
 * WAHA reports a message of the account: if it is the record of an UNKNOWN message of this sender
 * (same recipient, same content, within the call's window), that message was sent.
 */
function resolveFromEvent(
  deps: AppDeps,
  phone: string,
  data: { id?: string | null; to?: string | null; body?: string | null; timestamp?: number | null },
): Promise<number | null> {
  const { id, to, timestamp } = data;
  if (!id || !to || typeof timestamp !== 'number') return Promise.resolve(null);
  return deps.db.transaction().execute((trx) =>
    resolveUnknownByEvent(trx, {
      senderNumber: phone,
      recipient: accountDigits(to),
      record: { id, timestamp, fromMe: true, body: data.body ?? null },
      settleSeconds: DEFAULT_SETTLE_SECONDS,
    }),
  );
}

async function onMessageAny(deps: AppDeps, envelope: Envelope, phone: string | null) {
  const payload = MessageAnyPayloadSchema.safeParse(envelope.payload);
  if (!phone || !payload.success || payload.data.fromMe !== true) return 'ignored';
  const resolved = await resolveFromEvent(deps, phone, payload.data);
  if (resolved !== null) return `resolved UNKNOWN message ${resolved}`;
  if (payload.data.source === 'api') return 'own send';
  const ours = await isHeraldSend(deps.db, {
    senderNumber: phone,
    wahaMessageId: payload.data.id ?? null,
    recipient: payload.data.to ? accountDigits(payload.data.to) : null,
  });
  if (ours) return 'own send';
  const known = await recordPhoneActivity(deps.db, phone, deps.now());
  return known ? 'phone activity' : 'unknown session';
}
