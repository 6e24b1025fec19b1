/** What kind of failure an error is; only the HTTP layer turns a kind into a status code. */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable'
  | 'upstream'
  | 'internal';

export class HeraldError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: unknown;

  constructor(kind: ErrorKind, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'HeraldError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

export const validationError = (code: string, message: string, details?: unknown) =>
  new HeraldError('validation', code, message, details);
export const notFound = (code: string, message: string, details?: unknown) =>
  new HeraldError('not_found', code, message, details);
export const conflict = (code: string, message: string, details?: unknown) =>
  new HeraldError('conflict', code, message, details);
export const unavailable = (code: string, message: string, details?: unknown) =>
  new HeraldError('unavailable', code, message, details);

/** Too many requests; `retryAfterSeconds` is sent as Retry-After (and in the details). */
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new HeraldError('rate_limited', 'RATE_LIMITED', message, {
    retry_after_seconds: retryAfterSeconds,
  });
