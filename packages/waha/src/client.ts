import { isRecord } from './errors.ts';
import { type CallSpec, createTransport } from './http-transport.ts';
import { extractMessageId } from './message-id.ts';
import type {
  CallOptions,
  SendFileInput,
  SentMessage,
  WahaClient,
  WahaClientOptions,
  WahaMe,
  WahaServerStatus,
  WahaServerVersion,
  WahaSession,
  WahaSessionConfig,
} from './types.ts';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECTIONS = 16;

/** One client per WAHA worker: one keep-alive undici Pool, every call a WahaError on failure. */
export function createWahaClient(options: WahaClientOptions): WahaClient {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const transport = createTransport({
    baseUrl,
    apiKey: options.apiKey ?? null,
    timeoutMs: positive(options.timeoutMs, DEFAULT_TIMEOUT_MS),
    connections: positive(options.connections, DEFAULT_CONNECTIONS),
  });
  const call = <T>(spec: CallSpec) => transport.call(spec) as Promise<T>;
  const session = (name: string) => `/api/sessions/${encodeURIComponent(name)}`;
  const auth = (name: string) => `/api/${encodeURIComponent(name)}/auth`;

  const sessionCall = async (method: CallSpec['method'], path: string, body?: unknown) =>
    toSession(await call<RawSession>({ method, path, body, expect: 'json', shape: SESSION }));

  async function send(path: string, body: object, options?: CallOptions): Promise<SentMessage> {
    const raw = await call<unknown>({
      method: 'POST',
      path,
      body,
      send: true,
      expect: 'json',
      shape: MESSAGE,
      ...(options?.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    return { id: extractMessageId(raw), raw };
  }

  return {
    baseUrl,
    async ping() {
      await call({ method: 'GET', path: '/ping', expect: 'json' });
    },
    serverVersion: () =>
      call<WahaServerVersion>({
        method: 'GET',
        path: '/api/server/version',
        expect: 'json',
        shape: VERSION,
      }),
    serverStatus: () =>
      call<WahaServerStatus>({
        method: 'GET',
        path: '/api/server/status',
        expect: 'json',
        shape: STATUS,
      }),
    // `start` is false on WAHA unless sent, so it is always sent.
    createSession: ({ name, start = false, config }) =>
      sessionCall('POST', '/api/sessions', { name, start, ...(config ? { config } : {}) }),
    getSession: (name) => sessionCall('GET', session(name)),
    listSessions: async (options) => {
      const sessions = await call<RawSession[]>({
        method: 'GET',
        path: '/api/sessions',
        ...(options?.all ? { query: { all: 'true' } } : {}),
        expect: 'json',
        shape: SESSION_LIST,
      });
      return sessions.map(toSession);
    },
    updateSession: (name, config) => sessionCall('PUT', session(name), { config }),
    startSession: (name) => sessionCall('POST', `${session(name)}/start`),
    stopSession: (name) => sessionCall('POST', `${session(name)}/stop`),
    restartSession: (name) => sessionCall('POST', `${session(name)}/restart`),
    logoutSession: (name) => sessionCall('POST', `${session(name)}/logout`),
    async deleteSession(name) {
      await call({ method: 'DELETE', path: session(name), expect: 'optional' });
    },
    async getMe(name) {
      // WAHA answers an empty 200 (its handler returned null) while the session is not WORKING.
      const me = await call<WahaMe | null | undefined>({
        method: 'GET',
        path: `${session(name)}/me`,
        expect: 'optional',
        shape: ME,
      });
      return me ?? null;
    },
    async getQrImage(name) {
      const qr = await call<{ mimetype: string; data: string }>({
        method: 'GET',
        path: `${auth(name)}/qr`,
        query: { format: 'image' },
        expect: 'json',
        shape: QR_IMAGE,
      });
      return { mimetype: qr.mimetype, data: qr.data };
    },
    async getQrValue(name) {
      const qr = await call<{ value: string }>({
        method: 'GET',
        path: `${auth(name)}/qr`,
        query: { format: 'raw' },
        expect: 'json',
        shape: QR_VALUE,
      });
      return qr.value;
    },
    async requestPairingCode(name, phoneNumber) {
      const answer = await call<{ code: string }>({
        method: 'POST',
        path: `${auth(name)}/request-code`,
        body: { phoneNumber },
        expect: 'json',
        shape: PAIRING_CODE,
      });
      return answer.code;
    },
    sendText: ({ session: name, chatId, text, linkPreview }, options) =>
      send(
        '/api/sendText',
        { session: name, chatId, text, ...(linkPreview === undefined ? {} : { linkPreview }) },
        options,
      ),
    sendImage: (input, options) => send('/api/sendImage', fileBody(input), options),
    sendFile: (input, options) => send('/api/sendFile', fileBody(input), options),
    sendVideo: (input, options) =>
      send(
        '/api/sendVideo',
        {
          ...fileBody(input),
          ...(input.asNote === undefined ? {} : { asNote: input.asNote }),
          ...(input.convert === undefined ? {} : { convert: input.convert }),
        },
        options,
      ),
    async checkNumberExists({ session: name, phone }) {
      const answer = await call<{ numberExists: boolean; chatId?: string | null }>({
        method: 'GET',
        path: '/api/contacts/check-exists',
        query: { phone, session: name },
        expect: 'json',
        shape: NUMBER_EXISTS,
      });
      // Only GOWS sends `chatId: null` for a negative answer; the others omit it.
      return { numberExists: answer.numberExists, chatId: answer.chatId ?? null };
    },
    async startTyping(input) {
      await call({ method: 'POST', path: '/api/startTyping', body: input, expect: 'optional' });
    },
    async stopTyping(input) {
      await call({ method: 'POST', path: '/api/stopTyping', body: input, expect: 'optional' });
    },
    async setPresence(name, presence, chatId) {
      // WAHA rejects a chatId with online/offline and requires one with the others (400).
      await call({
        method: 'POST',
        path: `/api/${encodeURIComponent(name)}/presence`,
        body: chatId === undefined ? { presence } : { presence, chatId },
        expect: 'optional',
      });
    },
    close: () => transport.close(),
  };
}

/** Keeps `http://host:port[/prefix]` without trailing slashes; throws on anything not http(s). */
export function normalizeBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`WAHA base URL must be http(s), got ${url.protocol}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new TypeError('WAHA base URL must not carry credentials, a query or a fragment');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

type RawSession = Omit<WahaSession, 'me' | 'config'> & {
  me?: WahaMe | null;
  config?: WahaSessionConfig | null;
};

/** WAHA writes `config: null` for a session without one, and may leave `me` out. */
function toSession(raw: RawSession): WahaSession {
  const { config, me, ...rest } = raw;
  return { ...rest, me: me ?? null, ...(config ? { config } : {}) };
}

function fileBody(input: SendFileInput): object {
  const { session, chatId, file, caption } = input;
  return { session, chatId, file, ...(caption === undefined ? {} : { caption }) };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

const hasString = (value: unknown, ...keys: string[]): boolean =>
  isRecord(value) && keys.every((key) => typeof value[key] === 'string');

const isSession = (value: unknown) => hasString(value, 'name', 'status');
const SESSION = { name: 'a session', test: isSession };
const SESSION_LIST = {
  name: 'a list of sessions',
  test: (value: unknown) => Array.isArray(value) && value.every(isSession),
};
const ME = {
  name: 'an account',
  test: (value: unknown) => value === null || hasString(value, 'id'),
};
const VERSION = { name: 'a server version', test: (v: unknown) => hasString(v, 'version', 'tier') };
const STATUS = {
  name: 'a server status',
  test: (value: unknown) => isRecord(value) && typeof value.uptime === 'number',
};
const QR_IMAGE = { name: 'a QR image', test: (v: unknown) => hasString(v, 'mimetype', 'data') };
const QR_VALUE = { name: 'a QR value', test: (v: unknown) => hasString(v, 'value') };
const PAIRING_CODE = { name: 'a pairing code', test: (v: unknown) => hasString(v, 'code') };
const MESSAGE = { name: 'a message', test: isRecord };
const NUMBER_EXISTS = {
  name: 'a number check',
  test: (value: unknown) => isRecord(value) && typeof value.numberExists === 'boolean',
};
