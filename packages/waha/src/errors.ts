export type WahaErrorCode =
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'SESSION_STATUS'
  | 'SESSION_EXISTS'
  | 'SESSION_ALREADY_STARTED'
  | 'CORE_SESSION_NAME'
  | 'PLUS_ONLY'
  | 'NOT_IMPLEMENTED'
  | 'UNPROCESSABLE'
  | 'SERVER_ERROR'
  | 'CONNECTION_REFUSED'
  | 'TIMEOUT'
  | 'CONNECTION_RESET'
  | 'BAD_RESPONSE';

export interface WahaErrorInit {
  code: WahaErrorCode;
  message: string;
  status?: number | null;
  body?: unknown;
  retryable: boolean;
  ambiguous?: boolean;
  sessionStatus?: string;
  cause?: unknown;
}

/**
 * Every failure of a WAHA call. `retryable` says whether the same call may succeed later;
 * `ambiguous` says a send may have been accepted although it failed, so resending it could
 * deliver the message twice.
 */
export class WahaError extends Error {
  readonly code: WahaErrorCode;
  /** HTTP status, null when no response arrived. */
  readonly status: number | null;
  /** WAHA's parsed body (or its text), when any; the API key is redacted from it. */
  readonly body: unknown;
  readonly retryable: boolean;
  readonly ambiguous: boolean;
  /** For SESSION_STATUS: the status WAHA reported (declared only, so it is absent otherwise). */
  declare readonly sessionStatus?: string;

  constructor(init: WahaErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'WahaError';
    this.code = init.code;
    this.status = init.status ?? null;
    this.body = init.body;
    this.retryable = init.retryable;
    this.ambiguous = init.ambiguous ?? false;
    if (init.sessionStatus !== undefined) this.sessionStatus = init.sessionStatus;
  }
}

export function isWahaError(error: unknown): error is WahaError {
  return error instanceof WahaError;
}

/** What an error needs to know about the call that failed. */
export interface CallContext {
  method: string;
  /** Path without the query string: queries carry phone numbers. */
  path: string;
  /** A send: only these can be ambiguous. */
  send: boolean;
  /** The request reached a socket, so the server may have read it. */
  written: boolean;
}

/** Classifies a non-2xx answer. `raw` decides the code; `shown` (redacted) is what the error carries. */
export function errorFromResponse(
  context: CallContext,
  status: number,
  raw: unknown,
  shown: unknown,
): WahaError {
  const text = describeBody(raw);
  const base = {
    status,
    body: shown,
    message: responseMessage(context, status, describeBody(shown)),
  };
  if (status === 401) return new WahaError({ ...base, code: 'UNAUTHORIZED', retryable: false });
  if (status === 404) return new WahaError({ ...base, code: 'NOT_FOUND', retryable: false });
  if (status === 422) return fromUnprocessable(base, raw, text);
  if (status === 501) return new WahaError({ ...base, code: 'NOT_IMPLEMENTED', retryable: false });
  if (status >= 500) return new WahaError({ ...base, code: 'SERVER_ERROR', retryable: true });
  // 429 is not something WAHA sends, but a proxy in front of it may: waiting helps.
  if (status === 429) return new WahaError({ ...base, code: 'SERVER_ERROR', retryable: true });
  if (status >= 400) return new WahaError({ ...base, code: 'BAD_REQUEST', retryable: false });
  // Redirects are not followed: a worker URL that redirects is misconfigured.
  return new WahaError({ ...base, code: 'BAD_RESPONSE', retryable: false });
}

function fromUnprocessable(
  base: { status: number; body: unknown; message: string },
  raw: unknown,
  text: string,
): WahaError {
  if (/status is not as expected/i.test(text)) {
    const reported = isRecord(raw) && typeof raw.status === 'string' ? raw.status : undefined;
    // Sessions move on by themselves (STARTING -> SCAN_QR_CODE -> WORKING): retry later.
    return new WahaError({
      ...base,
      code: 'SESSION_STATUS',
      retryable: true,
      ...(reported === undefined ? {} : { sessionStatus: reported }),
    });
  }
  if (/^Session ".*" does not exist/i.test(text)) {
    // WAHA's answer on the QR routes when the session is not running at all.
    return new WahaError({
      ...base,
      code: 'SESSION_STATUS',
      retryable: true,
      sessionStatus: 'STOPPED',
    });
  }
  if (/already exists/i.test(text)) {
    return new WahaError({ ...base, code: 'SESSION_EXISTS', retryable: false });
  }
  if (/already started/i.test(text)) {
    return new WahaError({ ...base, code: 'SESSION_ALREADY_STARTED', retryable: false });
  }
  if (/support only 'default' session/i.test(text)) {
    return new WahaError({ ...base, code: 'CORE_SESSION_NAME', retryable: false });
  }
  if (/available only in Plus/i.test(text)) {
    return new WahaError({ ...base, code: 'PLUS_ONLY', retryable: false });
  }
  return new WahaError({ ...base, code: 'UNPROCESSABLE', retryable: false });
}

/** A 2xx whose body is not what the route promises. */
export function badResponse(
  context: CallContext,
  status: number,
  shown: unknown,
  reason: string,
): WahaError {
  return new WahaError({
    code: 'BAD_RESPONSE',
    status,
    body: shown,
    // WAHA accepted the call: repeating a send would repeat the message.
    retryable: false,
    ambiguous: context.send,
    message: `WAHA ${context.method} ${context.path} answered ${status} with ${reason}`,
  });
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUTS = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const MALFORMED = /^(HPE_|UND_ERR_RES_CONTENT_LENGTH_MISMATCH|UND_ERR_HEADERS_OVERFLOW)/;

/**
 * Classifies an error thrown by undici or by the call's AbortSignal. Whether anything reached the
 * server decides ambiguity, not the error class: a timeout while queued for a socket sent nothing.
 */
export function errorFromTransport(
  context: CallContext,
  error: unknown,
  redact: (text: string) => string,
): WahaError {
  const codes = errorCodes(error);
  const ambiguous = context.send && context.written;
  const detail = redact(describeError(error, codes));
  const message = (what: string) => `WAHA ${context.method} ${context.path}: ${what} (${detail})`;
  const common = { cause: error, status: null };
  if (codes.some((code) => REFUSED.has(code)) || (!context.written && isConnectFailure(codes))) {
    return new WahaError({
      ...common,
      code: 'CONNECTION_REFUSED',
      retryable: true,
      ambiguous: false,
      message: message('connection refused, nothing was sent'),
    });
  }
  if (isTimeout(error) || codes.some((code) => TIMEOUTS.has(code))) {
    return new WahaError({
      ...common,
      code: 'TIMEOUT',
      retryable: true,
      ambiguous,
      message: message(context.written ? 'timed out' : 'timed out before the request was sent'),
    });
  }
  // HTTPParserError's code is often unset: its name is the reliable mark.
  if (codes.some((code) => MALFORMED.test(code)) || hasName(error, 'HTTPParserError')) {
    return new WahaError({
      ...common,
      code: 'BAD_RESPONSE',
      retryable: false,
      ambiguous,
      message: message('malformed HTTP response'),
    });
  }
  if (codes.includes('UND_ERR_INVALID_ARG')) {
    return new WahaError({
      ...common,
      code: 'BAD_REQUEST',
      retryable: false,
      ambiguous: false,
      message: message('request rejected before sending'),
    });
  }
  // UND_ERR_SOCKET, ECONNRESET, EPIPE, a closed client, or anything unforeseen: treated as a
  // dropped connection, which is the cautious reading for both retries and sends.
  return new WahaError({
    ...common,
    code: 'CONNECTION_RESET',
    retryable: true,
    ambiguous,
    message: message(context.written ? 'connection lost' : 'connection lost before sending'),
  });
}

function isConnectFailure(codes: string[]): boolean {
  return codes.some(
    (code) => code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET',
  );
}

/** The signal's reason is a DOMException named TimeoutError (or AbortError if aborted). */
function isTimeout(error: unknown): boolean {
  return hasName(error, 'TimeoutError') || hasName(error, 'AbortError');
}

function hasName(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** Codes of the error, its cause chain and an AggregateError's members (happy eyeballs). */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!isRecord(error) || depth > 4) return [];
  const codes = typeof error.code === 'string' ? [error.code] : [];
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors) codes.push(...errorCodes(inner, depth + 1));
  }
  codes.push(...errorCodes(error.cause, depth + 1));
  return codes;
}

function describeError(error: unknown, codes: string[]): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return codes.length > 0 && !text.includes(codes[0] ?? '') ? `${codes[0]}, ${text}` : text;
}

function responseMessage(context: CallContext, status: number, text: string): string {
  const said = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return `WAHA ${context.method} ${context.path} answered ${status}${said ? `: ${said}` : ''}`;
}

/** The human part of a WAHA error body: `message` (string or list), else `error` or `detail`. */
function describeBody(body: unknown): string {
  if (typeof body === 'string') return body;
  if (!isRecord(body)) return '';
  // String-built Nest errors put the text in `message` and the status name in `error`; WAHA's
  // own objects (status mismatch) use `error`; the presence route uses `detail`.
  for (const key of ['message', 'error', 'detail']) {
    const value = body[key];
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.filter((item) => typeof item === 'string').join('; ');
  }
  return '';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
