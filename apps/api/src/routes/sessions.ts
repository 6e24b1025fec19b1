import { listSessionViews, readSendingState, type SessionView } from '@herald/db';
import { computeSessionExpiry, SESSION_STATUSES, WAHA_SESSION_STATUSES } from '@herald/domain';
import type { WahaSession } from '@herald/waha';
import { z } from 'zod';
import type { AppDeps, RouteModule } from '../deps.ts';
import type { Caller } from '../http/auth.ts';
import { DateTimeText, toIsoOrNull } from '../http/schemas.ts';
import { openSession } from '../services/open-session.ts';
import { createPhoneParser, maySeeSender } from '../services/sender-scope.ts';
import {
  describeSessionPresence,
  getSessionQr,
  readSession,
  removeSession,
  sessionNotFound,
} from '../services/session-state.ts';
import { publicSessionData } from '../services/waha-sessions.ts';
import { SendingStateDto, toSendingDto } from './sending-dto.ts';

const phoneExample = { example: '21642108077' };

const CreateSessionBody = z
  .object({ phone_number: z.string().min(1).meta(phoneExample) })
  .meta({ id: 'CreateSessionRequest' });
const PhoneParams = z.object({ phone_number: z.string().meta(phoneExample) });
const SenderParams = z.object({ sender_number: z.string().meta(phoneExample) });

const SessionDto = z
  .object({
    phone_number: z.string(),
    status: z.enum(SESSION_STATUSES).meta({
      description:
        "Herald's status: WAHA STARTING→STARTING, SCAN_QR_CODE→WAITING_FOR_SCAN, WORKING→CONNECTED (SCANNED until the account is known), STOPPED→STOPPED, FAILED→EXPIRED after a connection (logged out) or FAILED (QR never scanned); WRONG_ACCOUNT when another WhatsApp account scanned the QR (logged out at once); DISCONNECTED while the worker does not answer",
    }),
    message: z.string(),
    waha_status: z.enum(WAHA_SESSION_STATUSES).nullable(),
    last_active: DateTimeText.nullable(),
    expires_at: DateTimeText.nullable(),
    requires_auth: z.boolean(),
    expiry_warning: z.boolean(),
    worker: z
      .object({ id: z.number(), name: z.string().nullable(), url: z.string().nullable() })
      .nullable()
      .meta({ description: 'Where the session runs; `name` and `url` only for admins' }),
    waha_session: z.string(),
    connected_at: DateTimeText.nullable(),
    me: z.object({ id: z.string(), push_name: z.string().nullable() }).nullable(),
    last_error: z.string().nullable(),
    qr_expires_at: DateTimeText.nullable(),
    created_at: DateTimeText,
    data: z.record(z.string(), z.unknown()).nullable().meta({
      description:
        "WAHA's session object when it was read live for this answer (without its config); admins only",
    }),
    sending: SendingStateDto.optional().meta({
      description: 'Whether the number sends now, waits on its sender policy, or is paused',
    }),
  })
  .meta({ id: 'Session' });

const OpenedSessionDto = SessionDto.extend({
  sender_token: z.string().optional().meta({
    description:
      'Present when this request started a new pairing: the token of this sender, shown only now. Send it as `Authorization: Bearer <sender_token>` (or X-Sender-Token); it also unlocks the QR code under USER_AUTH=token.',
  }),
}).meta({ id: 'OpenedSession' });

const QrDto = z
  .object({
    status: z.enum(['CONNECTED', 'WAITING_FOR_SCAN']),
    qr_code: z.string().optional().meta({ description: 'Base64 PNG' }),
    expires_at: DateTimeText.optional(),
    message: z.null().optional(),
  })
  .meta({ id: 'SessionQr' });

const SessionPresenceDto = z
  .object({
    phone_number: z.string(),
    status: z.enum(['active in memory', 'saved in DB', 'not found']),
    session_status: z.enum(SESSION_STATUSES).nullable(),
  })
  .meta({ id: 'SessionPresence' });

const DeletedSessionDto = z
  .object({ phone_number: z.string(), status: z.literal('DELETED'), message: z.string() })
  .meta({ id: 'DeletedSession' });

/** The session as `caller` may see it: worker URLs and WAHA's raw object are for admins only. */
export function toSessionDto(
  deps: AppDeps,
  session: SessionView,
  live: WahaSession | null,
  caller: Caller,
): z.infer<typeof SessionDto> {
  const admin = caller.kind === 'admin';
  const expiry = computeSessionExpiry(session, deps.now(), deps.config.expiryWarningDays);
  return {
    phone_number: session.phone_number,
    status: session.status,
    message: 'OK',
    waha_status: session.waha_status,
    last_active: toIsoOrNull(expiry.last_active),
    expires_at: toIsoOrNull(expiry.expires_at),
    requires_auth: expiry.requires_auth,
    expiry_warning: expiry.expiry_warning,
    worker:
      session.worker_id === null
        ? null
        : {
            id: session.worker_id,
            // A default name is the worker's host:port: as internal as its URL.
            name: admin ? session.worker_name : null,
            url: admin ? session.worker_url : null,
          },
    waha_session: session.waha_session,
    connected_at: toIsoOrNull(session.connected_at),
    me: session.me_id ? { id: session.me_id, push_name: session.push_name } : null,
    last_error: session.last_error,
    qr_expires_at: toIsoOrNull(session.qr_expires_at),
    created_at: session.created_at.toISOString(),
    data: live && admin ? publicSessionData(live) : null,
  };
}

export const sessionRoutes: RouteModule = (r, deps) => {
  const phoneOf = createPhoneParser(deps.config.defaultCountry);
  // Another sender's session answers exactly as a number without one.
  const visiblePhone = (raw: string, caller: Caller) => {
    const phone = phoneOf(raw);
    if (!maySeeSender(caller, phone)) throw sessionNotFound(phone);
    return phone;
  };

  r.route({
    method: 'post',
    path: '/api/sessions',
    summary: 'Create (or resume) the WhatsApp session of a phone number',
    tags: ['Sessions'],
    access: 'open',
    tokenOptional: true,
    createsSession: true,
    request: { body: CreateSessionBody },
    responses: {
      201: {
        description: 'Session created on a worker, with its sender_token; fetch its QR next',
        schema: OpenedSessionDto,
      },
      200: {
        description:
          'The number already has a session: its state (restarted if it had ended; a new pairing brings a new sender_token)',
        schema: OpenedSessionDto,
      },
    },
    errors: [401, 409, 502, 503],
    handler: async ({ body, caller }) => {
      const opened = await openSession(deps, phoneOf(body.phone_number), caller);
      const dto = toSessionDto(deps, opened.session, opened.live, caller);
      return {
        status: opened.created ? 201 : 200,
        body: opened.senderToken ? { ...dto, sender_token: opened.senderToken } : dto,
      };
    },
  });

  r.route({
    method: 'get',
    path: '/api/sessions',
    summary: 'List every session (stored state)',
    tags: ['Sessions'],
    access: 'admin',
    responses: { 200: { description: 'All sessions', schema: z.array(SessionDto) } },
    handler: async ({ caller }) => {
      const sessions = await listSessionViews(deps.db);
      return { status: 200, body: sessions.map((s) => toSessionDto(deps, s, null, caller)) };
    },
  });

  r.route({
    method: 'get',
    path: '/api/sessions/{phone_number}',
    summary: 'Session state, read live from its worker when possible',
    tags: ['Sessions'],
    access: 'open',
    request: { params: PhoneParams },
    responses: { 200: { description: 'The session', schema: SessionDto } },
    errors: [404],
    handler: async ({ params, caller }) => {
      const { session, live } = await readSession(deps, visiblePhone(params.phone_number, caller));
      const sending = toSendingDto(await readSendingState(deps.db, session.phone_number));
      return { status: 200, body: { ...toSessionDto(deps, session, live, caller), sending } };
    },
  });

  r.route({
    method: 'get',
    path: '/api/sessions/{phone_number}/qr',
    summary: 'QR code to link the phone, or CONNECTED once linked',
    tags: ['Sessions'],
    access: 'open',
    request: { params: PhoneParams },
    responses: { 200: { description: 'The QR code or CONNECTED', schema: QrDto } },
    errors: [404, 409, 502, 503],
    handler: async ({ params, caller }) => {
      const qr = await getSessionQr(deps, visiblePhone(params.phone_number, caller));
      if (qr.status === 'CONNECTED') return { status: 200, body: qr };
      return { status: 200, body: { ...qr, expires_at: qr.expires_at.toISOString() } };
    },
  });

  r.route({
    method: 'get',
    path: '/api/sessions/{sender_number}/status',
    summary: 'Whether the session is live on its worker, only stored, or unknown',
    tags: ['Sessions'],
    access: 'open',
    request: { params: SenderParams },
    responses: { 200: { description: 'Where the session is', schema: SessionPresenceDto } },
    handler: async ({ params, caller }) => {
      const phone = phoneOf(params.sender_number);
      const { presence, session } = maySeeSender(caller, phone)
        ? await describeSessionPresence(deps, phone)
        : { presence: 'not found' as const, session: null };
      return {
        status: 200,
        body: { phone_number: phone, status: presence, session_status: session?.status ?? null },
      };
    },
  });

  r.route({
    method: 'delete',
    // The spec calls it {sender_number}; OpenAPI wants one name per path, shared with the GET.
    path: '/api/sessions/{phone_number}',
    summary: 'Log out and delete a session (the sender number), freeing its slot',
    tags: ['Sessions'],
    access: 'admin',
    request: { params: PhoneParams },
    responses: { 200: { description: 'Deleted', schema: DeletedSessionDto } },
    errors: [404],
    handler: async ({ params }) => ({
      status: 200,
      body: await removeSession(deps, phoneOf(params.phone_number)),
    }),
  });
};
