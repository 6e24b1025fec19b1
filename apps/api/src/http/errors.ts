import { isDatabaseUnavailable } from '@herald/db';
import { type ErrorKind, HeraldError, MAX_LISTED_PROBLEMS } from '@herald/domain';
import type { Logger } from '@herald/logging';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  upstream: 502,
  unavailable: 503,
  internal: 500,
};

/** The one error body every endpoint answers with. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'VALIDATION_FAILED' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const malformedJson = () =>
  new HeraldError('validation', 'MALFORMED_JSON', 'The request body is not valid JSON');

export const routeNotFound: RequestHandler = (req, _res, next) => {
  next(new HeraldError('not_found', 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

/** Maps anything thrown by a handler to `{ error: { code, message, details? } }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const herald = toHeraldError(error);
    const status = STATUS_BY_KIND[herald.kind];
    if (herald.kind === 'unavailable') {
      // Expected under load or while workers are down: a warning with the reason, no stack.
      logger.warn('request refused', { requestId: req.id, path: req.path, code: herald.code });
    } else if (status >= 500) {
      logger.error('request failed', { requestId: req.id, path: req.path, error: describe(error) });
    }
    const body: z.infer<typeof ErrorBody> = {
      error: { code: herald.code, message: herald.message },
    };
    if (herald.details !== undefined && (status < 500 || res.locals.caller?.kind === 'admin')) {
      // A worker's address or WAHA's own error codes are an admin's business, not a user's.
      body.error.details = herald.details;
    }
    if (herald.kind === 'rate_limited') res.set('Retry-After', String(retryAfter(herald)));
    if (herald.code === 'DATABASE_UNAVAILABLE') res.set('Retry-After', '5');
    res.status(status).json(body);
  };
}

function retryAfter(error: HeraldError): number {
  const seconds = (error.details as { retry_after_seconds?: unknown } | undefined)
    ?.retry_after_seconds;
  return typeof seconds === 'number' ? seconds : 60;
}

function toHeraldError(error: unknown): HeraldError {
  if (error instanceof HeraldError) return error;
  if (error instanceof z.ZodError) {
    // The first few problems are listed and the rest counted: a body of 100,000 bad items must
    // not produce an error body many times its own size.
    const details = error.issues.slice(0, MAX_LISTED_PROBLEMS).map((issue) => ({
      path: issue.path.join('.').slice(0, 200),
      message: issue.message.slice(0, 500),
    }));
    const first = details[0];
    const more = error.issues.length - details.length;
    const message = first
      ? `${first.path || 'request'}: ${first.message}${more > 0 ? ` (${error.issues.length} problems; the first ${details.length} are listed)` : ''}`
      : 'Invalid request';
    // A schema's own rule may name a sharper code (`UNKNOWN_TIME_ZONE`) in its issue's params.
    const issue = error.issues[0];
    const named = issue?.code === 'custom' ? issue.params?.code : undefined;
    const code = typeof named === 'string' ? named : 'VALIDATION_FAILED';
    return new HeraldError('validation', code, message, details);
  }
  // body-parser marks its own failures with a type and a 4xx status.
  const type = (error as { type?: string } | null)?.type;
  if (type === 'entity.parse.failed') return malformedJson();
  if (type === 'entity.too.large') {
    return new HeraldError('too_large', 'PAYLOAD_TOO_LARGE', 'The request body is too large');
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new HeraldError(
      'validation',
      'UNSUPPORTED_ENCODING',
      'Unsupported request body encoding',
    );
  }
  // The router cannot percent-decode a path parameter such as `%E0%A4%A`: the client's mistake.
  // Express gives that URIError a 400 status too, so it is told apart before the check below.
  if (error instanceof URIError) {
    return new HeraldError(
      'validation',
      'MALFORMED_URL',
      'The request path is not valid percent-encoded UTF-8',
    );
  }
  // Any other body-parser refusal (a gzip/deflate/br body that does not decode, a request cut
  // short, a length that does not match) carries a 4xx status: the client's body, not our bug.
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HeraldError(
      'validation',
      'MALFORMED_BODY',
      'The request body could not be read: check its Content-Encoding and Content-Length',
    );
  }
  if (isDatabaseUnavailable(error)) {
    return new HeraldError(
      'unavailable',
      'DATABASE_UNAVAILABLE',
      'The database cannot take requests right now; try again shortly',
    );
  }
  return new HeraldError('internal', 'INTERNAL', 'Internal server error');
}

function describe(error: unknown) {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : error;
}
