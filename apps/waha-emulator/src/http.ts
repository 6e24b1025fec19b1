import type { IncomingMessage, ServerResponse } from 'node:http';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

/** An answer other than success; `body` is written exactly as given. */
export class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
    this.status = status;
    this.body = body;
  }
}

/** NestJS built from a string: `{statusCode, message, error}`. */
export function nestError(status: number, message: string | string[]): HttpError {
  return new HttpError(status, {
    statusCode: status,
    message,
    error: REASONS[status] ?? 'Error',
  });
}

/** NestJS built from an object: the object itself, no `statusCode` added. */
export function objectError(status: number, body: Record<string, unknown>): HttpError {
  return new HttpError(status, body);
}

/** What a handler gives back: JSON (or nothing) with the Nest status, PNG bytes, or a socket fault. */
export type Reply =
  | { kind: 'json'; status?: number; body?: unknown }
  | { kind: 'png'; data: Buffer }
  | { kind: 'hold' }
  | { kind: 'reset' };

export function json(body?: unknown, status?: number): Reply {
  return { kind: 'json', body, status };
}

// WAHA's JSON body limit (src/main.ts).
const BODY_LIMIT_BYTES = 50 * 1024 * 1024;

/**
 * Reads a JSON body the way Express' json parser does: only for JSON content types, `{}`
 * otherwise. Plain stream events rather than an async iterator: this runs for every send.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        failed = true;
        reject(nestError(413, 'request entity too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (failed) return;
      const type = req.headers['content-type'] ?? '';
      if (!/json/i.test(type) || size === 0) {
        resolve({});
        return;
      }
      const text =
        chunks.length === 1
          ? (chunks[0] as Buffer).toString('utf8')
          : Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(nestError(400, (error as Error).message));
      }
    });
  });
}

export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  if (body === undefined || body === null) {
    // Nest sends an empty body for a handler that returns nothing.
    res.writeHead(status, { 'X-Powered-By': 'Express', 'Content-Length': 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'X-Powered-By': 'Express',
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function writePng(res: ServerResponse, data: Buffer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, {
    'X-Powered-By': 'Express',
    'Content-Type': 'image/png',
    'Content-Length': data.length,
  });
  res.end(data);
}

/** WAHA's answer to an error that is not an HttpException (AllExceptionsFilter). */
export function internalErrorBody(
  error: unknown,
  request: { path: string; method: string; body: unknown; query: Record<string, string> },
  version: unknown,
): Record<string, unknown> {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    statusCode: 500,
    timestamp: new Date().toISOString(),
    exception: { message: err.message, name: err.name, stack: err.stack },
    request,
    version,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
