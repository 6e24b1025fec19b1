import { z } from 'zod';
import { isWahaError } from './errors.ts';
import { type CallSpec, createTransport } from './http-transport.ts';
import { extractMessageId } from './message-id.ts';
import {
  ChatMessageSchema,
  NumberExistsSchema,
  PairingCodeSchema,
  QrImageSchema,
  QrValueSchema,
  SentMessageSchema,
  WahaMeSchema,
  WahaServerStatusSchema,
  WahaServerVersionSchema,
  WahaSessionSchema,
} from './schemas.ts';
import type {
  CallOptions,
  SendFileInput,
  SentMessage,
  WahaClient,
  WahaClientOptions,
} from './types.ts';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECTIONS = 16;

/** The answers whose content Herald does not read: only their status matters. */
const ANY = z.unknown();

/** One client per WAHA worker: one keep-alive undici Pool, every call a WahaError on failure. */
export function createWahaClient(options: WahaClientOptions): WahaClient {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const transport = createTransport({
    baseUrl,
    apiKey: options.apiKey ?? null,
    timeoutMs: positive(options.timeoutMs, DEFAULT_TIMEOUT_MS),
    connections: positive(options.connections, DEFAULT_CONNECTIONS),
  });
  const { observe } = options;
  const call = <T>(spec: CallSpec<T>): Promise<T> => {
    if (!observe) return transport.call(spec);
    const started = performance.now();
    const done = (result: string) =>
      observe({
        worker: baseUrl,
        operation: operationOf(spec.method, spec.path),
        result,
        seconds: (performance.now() - started) / 1000,
      });
    return transport.call(spec).then(
      (value) => {
        done('ok');
        return value;
      },
      (error: unknown) => {
        done(isWahaError(error) ? error.code : 'ERROR');
        throw error;
      },
    );
  };
  const session = (name: string) => `/api/sessions/${encodeURIComponent(name)}`;
  const auth = (name: string) => `/api/${encodeURIComponent(name)}/auth`;

  const sessionCall = (method: CallSpec<unknown>['method'], path: string, body?: unknown) =>
    call({ method, path, body, expect: 'json', schema: WahaSessionSchema, answer: 'a session' });

  async function send(path: string, body: object, options?: CallOptions): Promise<SentMessage> {
    const raw = await call({
      method: 'POST',
      path,
      body,
      send: true,
      expect: 'json',
      schema: SentMessageSchema,
      answer: 'a message',
      ...(options?.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options?.signal === undefined ? {} : { signal: options.signal }),
    });
    return { id: extractMessageId(raw), raw };
  }

  return {
    baseUrl,
    async ping() {
      await call({ method: 'GET', path: '/ping', expect: 'json', schema: ANY, answer: 'JSON' });
    },
    serverVersion: () =>
      call({
        method: 'GET',
        path: '/api/server/version',
        expect: 'json',
        schema: WahaServerVersionSchema,
        answer: 'a server version',
      }),
    serverStatus: () =>
      call({
        method: 'GET',
        path: '/api/server/status',
        expect: 'json',
        schema: WahaServerStatusSchema,
        answer: 'a server status',
      }),
    // `start` is false on WAHA unless sent, so it is always sent.
    createSession: ({ name, start = false, config }) =>
      sessionCall('POST', '/api/sessions', { name, start, ...(config ? { config } : {}) }),
    getSession: (name) => sessionCall('GET', session(name)),
    listSessions: (options) =>
      call({
        method: 'GET',
        path: '/api/sessions',
        ...(options?.all ? { query: { all: 'true' } } : {}),
        expect: 'json',
        schema: z.array(WahaSessionSchema),
        answer: 'a list of sessions',
      }),
    updateSession: (name, config) => sessionCall('PUT', session(name), { config }),
    startSession: (name) => sessionCall('POST', `${session(name)}/start`),
    stopSession: (name) => sessionCall('POST', `${session(name)}/stop`),
    restartSession: (name) => sessionCall('POST', `${session(name)}/restart`),
    logoutSession: (name) => sessionCall('POST', `${session(name)}/logout`),
    async deleteSession(name) {
      await call({
        method: 'DELETE',
        path: session(name),
        expect: 'optional',
        schema: ANY,
        answer: '',
      });
    },
    async getMe(name) {
      // WAHA answers an empty 200 (its handler returned null) while the session is not WORKING.
      const me = await call({
        method: 'GET',
        path: `${session(name)}/me`,
        expect: 'optional',
        schema: WahaMeSchema.nullish(),
        answer: 'an account',
      });
      return me ?? null;
    },
    async getQrImage(name) {
      const qr = await call({
        method: 'GET',
        path: `${auth(name)}/qr`,
        query: { format: 'image' },
        expect: 'json',
        schema: QrImageSchema,
        answer: 'a QR image',
      });
      return { mimetype: qr.mimetype, data: qr.data };
    },
    async getQrValue(name) {
      const qr = await call({
        method: 'GET',
        path: `${auth(name)}/qr`,
        query: { format: 'raw' },
        expect: 'json',
        schema: QrValueSchema,
        answer: 'a QR value',
      });
      return qr.value;
    },
    async requestPairingCode(name, phoneNumber) {
      const answer = await call({
        method: 'POST',
        path: `${auth(name)}/request-code`,
        body: { phoneNumber },
        expect: 'json',
        schema: PairingCodeSchema,
        answer: 'a pairing code',
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
      const answer = await call({
        method: 'GET',
        path: '/api/contacts/check-exists',
        query: { phone, session: name },
        expect: 'json',
        schema: NumberExistsSchema,
        answer: 'a number check',
      });
      return { numberExists: answer.numberExists, chatId: answer.chatId ?? null };
    },
    chatMessages: ({ session: name, chatId, sinceSeconds, limit }, options) =>
      call({
        ...(options?.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        method: 'GET',
        path: `/api/${encodeURIComponent(name)}/chats/${encodeURIComponent(chatId)}/messages`,
        query: {
          limit: String(limit),
          downloadMedia: 'false',
          'filter.timestamp.gte': String(Math.floor(sinceSeconds)),
        },
        expect: 'json',
        schema: z.array(ChatMessageSchema),
        answer: 'a chat history',
      }),
    async startTyping(input) {
      await call({
        method: 'POST',
        path: '/api/startTyping',
        body: input,
        expect: 'optional',
        schema: ANY,
        answer: '',
      });
    },
    async stopTyping(input) {
      await call({
        method: 'POST',
        path: '/api/stopTyping',
        body: input,
        expect: 'optional',
        schema: ANY,
        answer: '',
      });
    },
    async setPresence(name, presence, chatId) {
      // WAHA rejects a chatId with online/offline and requires one with the others (400).
      await call({
        method: 'POST',
        path: `/api/${encodeURIComponent(name)}/presence`,
        body: chatId === undefined ? { presence } : { presence, chatId },
        expect: 'optional',
        schema: ANY,
        answer: '',
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

function fileBody(input: SendFileInput): object {
  const { session, chatId, file, caption } = input;
  return { session, chatId, file, ...(caption === undefined ? {} : { caption }) };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** A call's path without its session name, so a metric label has one value per route. */
export function operationOf(method: string, path: string): string {
  const route = path
    .replace(/^\/api\/sessions\/[^/]+/, '/api/sessions/:session')
    .replace(/^\/api\/(?!sessions\/|server\/|contacts\/)[^/]+\//, '/api/:session/');
  return `${method} ${route}`;
}
