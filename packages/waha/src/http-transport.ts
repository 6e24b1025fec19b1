import { Client, type Dispatcher, Pool } from 'undici';
import type { z } from 'zod';
import {
  badResponse,
  type CallContext,
  errorFromResponse,
  errorFromTransport,
  WahaError,
} from './errors.ts';

export interface TransportOptions {
  /** Origin plus an optional path prefix, without a trailing slash. */
  baseUrl: string;
  apiKey: string | null;
  timeoutMs: number;
  connections: number;
}

export interface CallSpec<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** A message send: the only calls whose failures can be ambiguous. */
  send?: boolean;
  timeoutMs?: number;
  /** Cuts the call short as a timeout would (a send still open then is ambiguous). */
  signal?: AbortSignal;
  /** `json`: a 2xx must carry JSON. `optional`: an empty 2xx is fine (DELETE, /me). */
  expect: 'json' | 'optional';
  /** What a 2xx body must be (an empty one reads as undefined), named for the error when not. */
  schema: z.ZodType<T>;
  answer: string;
}

export interface Transport {
  /** The body of a 2xx parsed by the spec's schema; throws WahaError otherwise. */
  call<T>(spec: CallSpec<T>): Promise<T>;
  close(): Promise<void>;
}

/** undici's own timers only back the signal up, so they must never fire first. */
const UNDICI_TIMEOUT_SLACK_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** Set on the request's `opaque` and flipped once undici hands the request to a socket. */
interface WriteTracker {
  written: boolean;
}

export function createTransport(options: TransportOptions): Transport {
  const url = new URL(options.baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  const apiKey = options.apiKey ? options.apiKey : null;
  const socketOptions = {
    // One request per socket at a time. undici never re-sends a request that was already
    // written (a socket that dies fails only the request on it), so a POST goes out at most once.
    pipelining: 1,
    headersTimeout: options.timeoutMs + UNDICI_TIMEOUT_SLACK_MS,
    bodyTimeout: options.timeoutMs + UNDICI_TIMEOUT_SLACK_MS,
    connect: { timeout: Math.min(options.timeoutMs, CONNECT_TIMEOUT_MS) },
  };
  // One connection needs no pool: a Client is the same queue without the pool's fixed buffers.
  const pool =
    options.connections === 1
      ? new Client(url.origin, socketOptions)
      : new Pool(url.origin, { ...socketOptions, connections: options.connections });
  const dispatcher = pool.compose(trackWrites);
  const redact = createRedactor(apiKey);
  let closing: Promise<void> | undefined;

  async function call<T>(spec: CallSpec<T>): Promise<T> {
    if (closing) {
      // A caller holding a client the cache replaced: nothing is sent, a retry gets the new one.
      throw new WahaError({
        code: 'CONNECTION_REFUSED',
        retryable: true,
        message: `WAHA ${spec.method} ${spec.path}: the client is closed, nothing was sent`,
      });
    }
    const timeoutMs =
      spec.timeoutMs !== undefined && spec.timeoutMs > 0 ? spec.timeoutMs : options.timeoutMs;
    const tracker: WriteTracker = { written: false };
    const context = (): CallContext => ({
      method: spec.method,
      path: spec.path,
      send: spec.send === true,
      written: tracker.written,
    });
    const headers: Record<string, string> = {
      // Exactly this value: WAHA's QR route answers JSON (base64) instead of PNG bytes only then.
      accept: 'application/json',
      'user-agent': 'herald',
    };
    if (apiKey) headers['x-api-key'] = apiKey;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    const query = spec.query ? `?${new URLSearchParams(spec.query)}` : '';

    // A timer cleared when the call ends rather than AbortSignal.timeout(), whose timer and
    // signal outlive every call by the full timeout: at thousands of sends a second that adds up.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    const cutShort = () =>
      controller.abort(new DOMException('cut short by the caller', 'TimeoutError'));
    if (spec.signal?.aborted) cutShort();
    else spec.signal?.addEventListener('abort', cutShort, { once: true });
    let status: number;
    let contentType: string;
    let text: string;
    try {
      const response = await dispatcher.request({
        method: spec.method,
        path: `${prefix}${spec.path}${query}`,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        opaque: tracker,
        signal: controller.signal,
        headersTimeout: timeoutMs + UNDICI_TIMEOUT_SLACK_MS,
        bodyTimeout: timeoutMs + UNDICI_TIMEOUT_SLACK_MS,
      });
      status = response.statusCode;
      contentType = String(response.headers['content-type'] ?? '');
      // The signal also covers the body: aborting destroys the stream and this rejects.
      text = await response.body.text();
    } catch (error) {
      throw errorFromTransport(context(), error, redact);
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', cutShort);
    }
    return interpret(context(), spec, status, contentType, text, redact);
  }

  return {
    call,
    close() {
      closing ??= pool.close();
      return closing;
    },
  };
}

function interpret<T>(
  context: CallContext,
  spec: CallSpec<T>,
  status: number,
  contentType: string,
  text: string,
  redact: (text: string) => string,
): T {
  const isJson = /[/+]json\b/i.test(contentType);
  const empty = text.trim() === '';
  const parsed = isJson && !empty ? parseJson(text) : NOT_JSON;
  const shown = () => (empty ? undefined : parseShown(redact(text), isJson));
  if (status < 200 || status >= 300) {
    const raw = empty ? undefined : parsed === NOT_JSON ? text : parsed;
    throw errorFromResponse(context, status, raw, shown());
  }
  if ((empty && spec.expect === 'optional') || parsed !== NOT_JSON) {
    const body = spec.schema.safeParse(empty ? undefined : parsed);
    if (body.success) return body.data;
    throw badResponse(context, status, shown(), `a body that is not ${spec.answer}`);
  }
  const reason = empty
    ? 'an empty body'
    : isJson
      ? 'unparseable JSON'
      : `a non-JSON body (${redact(contentType) || 'no content-type'})`;
  throw badResponse(context, status, shown(), reason);
}

const NOT_JSON = Symbol('not json');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function parseShown(text: string, isJson: boolean): unknown {
  if (!isJson) return text;
  const value = parseJson(text);
  return value === NOT_JSON ? text : value;
}

/**
 * Removes the API key from anything a server echoed back (a proxy reflecting headers, a debug
 * page), in plain and JSON-escaped form, before it can reach an error's body or message.
 */
function createRedactor(apiKey: string | null): (text: string) => string {
  if (!apiKey) return (text) => text;
  const forms = [...new Set([apiKey, JSON.stringify(apiKey).slice(1, -1)])];
  return (text) => forms.reduce((result, form) => result.replaceAll(form, '[redacted]'), text);
}

/**
 * Records that undici assigned the request to a socket and is about to write it: from then on
 * the server may have read it, so a send that fails afterwards is ambiguous. A request still
 * queued for a free socket (or still connecting) when it fails was never sent.
 */
const trackWrites: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
  // request() passes its `opaque` through to dispatch options untouched.
  const tracker = (opts as { opaque?: unknown }).opaque;
  if (!isWriteTracker(tracker)) {
    return dispatch(opts, handler);
  }
  const tracked: Dispatcher.DispatchHandler = {
    onRequestStart(controller, context) {
      tracker.written = true;
      handler.onRequestStart?.(controller, context);
    },
    onRequestUpgrade: (...args) => handler.onRequestUpgrade?.(...args),
    onResponseStart: (...args) => handler.onResponseStart?.(...args),
    onResponseData: (...args) => handler.onResponseData?.(...args),
    onResponseEnd: (...args) => handler.onResponseEnd?.(...args),
    onResponseError: (...args) => handler.onResponseError?.(...args),
  };
  return dispatch(opts, tracked);
};

function isWriteTracker(value: unknown): value is WriteTracker {
  return typeof value === 'object' && value !== null && 'written' in value;
}
