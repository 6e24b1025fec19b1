import { listSessionViews, readSendingState, type SessionView } from '@herald/db';
import {
  computeSessionExpiry,
  createPhoneNormalizer,
  SESSION_STATUSES,
  validationError,
  WAHA_SESSION_STATUSES,
} from '@herald/domain';
import type { WahaSession } from '@herald/waha';
import { z } from 'zod';
import type { AppDeps, RouteModule } from '../deps.ts';
import { DateTimeText, toIsoOrNull } from '../http/schemas.ts';
import { openSession } from '../services/open-session.ts';
import {
  describeSessionPresence,
  getSessionQr,
  readSession,
  removeSession,
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
        "Herald's status: WAHA STARTING→STARTING, SCAN_QR_CODE→WAITING_FOR_SCAN, WORKING→CONNECTED (SCANNED until the account is known), STOPPED→STOPPED, FAILED→EXPIRED after a connection (logged out) or FAILED (QR never scanned, or scanned by another number); DISCONNECTED while the worker does not answer",
    }),
    message: z.string(),
    waha_status: z.enum(WAHA_SESSION_STATUSES).nullable(),
    last_active: DateTimeText.nullable(),
    expires_at: DateTimeText.nullable(),
    requires_auth: z.boolean(),
    expiry_warning: z.boolean(),
    worker: z
      .object({ id: z.number(), name: z.string().nullable(), url: z.string().nullable() })
      .nullable(),
    waha_session: z.string(),
    connected_at: DateTimeText.nullable(),
    me: z.object({ id: z.string(), push_name: z.string().nullable() }).nullable(),
    last_error: z.string().nullable(),
    qr_expires_at: DateTimeText.nullable(),
    created_at: DateTimeText,
    data: z.record(z.string(), z.unknown()).nullable().meta({
      description:
        "WAHA's session object when it was read live for this answer (without its config)",
    }),
    sending: SendingStateDto.optional().meta({
      description: 'Whether the number sends now, waits on its sender policy, or is paused',
    }),
  })
  .meta({ id: 'Session' });

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

export function toSessionDto(
  deps: AppDeps,
  session: SessionView,
  live: WahaSession | null,
): z.infer<typeof SessionDto> {
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
        : { id: session.worker_id, name: session.worker_name, url: session.worker_url },
    waha_session: session.waha_session,
    connected_at: toIsoOrNull(session.connected_at),
    me: session.me_id ? { id: session.me_id, push_name: session.push_name } : null,
    last_error: session.last_error,
    qr_expires_at: toIsoOrNull(session.qr_expires_at),
    created_at: session.created_at.toISOString(),
    data: live ? publicSessionData(live) : null,
  };
}

export const sessionRoutes: RouteModule = (r, deps) => {
  const normalize = createPhoneNormalizer(deps.config.defaultCountry);
  const phoneOf = (raw: string) => {
    const phone = normalize(raw);
    if (phone === null) {
      throw validationError('INVALID_PHONE_NUMBER', `"${raw}" is not a valid phone number`, {
        phone_number: raw,
      });
    }
    return phone;
  };

  r.route({
    method: 'post',
    path: '/api/sessions',
    summary: 'Create (or resume) the WhatsApp session of a phone number',
    tags: ['Sessions'],
    access: 'open',
    request: { body: CreateSessionBody },
    responses: {
      201: { description: 'Session created on a worker; fetch its QR next', schema: SessionDto },
      200: {
        description: 'The number already has a session: its state (restarted if it had ended)',
        schema: SessionDto,
      },
    },
    errors: [502, 503],
    handler: async ({ body }) => {
      const opened = await openSession(deps, phoneOf(body.phone_number));
      return {
        status: opened.created ? 201 : 200,
        body: toSessionDto(deps, opened.session, opened.live),
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
    handler: async () => {
      const sessions = await listSessionViews(deps.db);
      return { status: 200, body: sessions.map((s) => toSessionDto(deps, s, null)) };
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
    handler: async ({ params }) => {
      const { session, live } = await readSession(deps, phoneOf(params.phone_number));
      const sending = toSendingDto(await readSendingState(deps.db, session.phone_number));
      return { status: 200, body: { ...toSessionDto(deps, session, live), sending } };
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
    handler: async ({ params }) => {
      const qr = await getSessionQr(deps, phoneOf(params.phone_number));
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
    handler: async ({ params }) => {
      const phone = phoneOf(params.sender_number);
      const { presence, session } = await describeSessionPresence(deps, phone);
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
