import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { Caller, RequestGuard } from './auth.ts';
import { assertJsonContainersAtMost, assertWellFormedText } from './body-limits.ts';
import { ErrorBody, malformedJson } from './errors.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteResponse {
  description: string;
  /** Omitted for empty responses (204). */
  schema?: z.ZodType;
  /** Default `application/json`; a text type sends a string body as it is. */
  contentType?: string;
}

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: Method;
  /** OpenAPI style (`/api/status/{campaign_id}`); written once, used for both Express and the document. */
  path: string;
  summary: string;
  tags: string[];
  /** `admin`: key required; `open`: users too (a sender token in token mode). */
  access: 'admin' | 'open';
  /** In token mode, callers without a token are let through (the handler decides). */
  tokenOptional?: boolean;
  /** Counted against SESSION_CREATE_LIMIT_PER_HOUR. */
  createsSession?: boolean;
  /** `headers` are documented only: the handler reads and checks its own (they are optional). */
  request?: { params?: P; query?: Q; body?: B; headers?: AnyObject };
  /** Success responses by status; the error responses are added from `errors`. */
  responses: Record<number, RouteResponse>;
  /** Error statuses this route can answer, documented with the shared error body. */
  errors?: number[];
  /**
   * For a body its sender signs: checks the exact bytes received (throwing to refuse them)
   * before they are parsed at all, so nothing unauthenticated is ever read.
   */
  verifyRawBody?: (raw: Buffer, req: Request) => void;
  /** Overrides the gateway's body limit for this route (a webhook needs far less). */
  bodyLimit?: number | string;
  handler: (input: {
    params: z.infer<P>;
    query: z.infer<Q>;
    body: z.infer<B>;
    caller: Caller;
    req: Request;
  }) => Promise<HandlerResult>;
}

export type HandlerResult =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** A long-lived response (Server-Sent Events): the handler writes it itself. */
  | { stream: (res: Response) => void };

export interface RouteRegistrar {
  route<P extends AnyObject, Q extends AnyObject, B extends z.ZodType = z.ZodUndefined>(
    spec: RouteSpec<P, Q, B>,
  ): void;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input',
  401: 'Admin key or sender token missing, or sender token not valid',
  403: 'Admin key invalid, or the sender token belongs to another sender',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Request too large',
  422: 'Well-formed but refused (e.g. an idempotency key reused with another body)',
  429: 'Too many requests: wait for Retry-After seconds',
  502: 'A WAHA worker answered with an error',
  503: 'No capacity or a dependency is unavailable',
};

/**
 * Registers each endpoint on the Express router and in the OpenAPI registry from one spec, so the
 * served document cannot drift from the routes. Inputs are parsed with the spec's zod schemas;
 * handlers get the parsed values and never touch `req.query` (a read-only getter in Express 5).
 */
export function createRouteRegistrar(
  router: Router,
  registry: OpenAPIRegistry,
  admit: RequestGuard,
  options: { bodyLimit: number | string; maxJsonContainers: number },
): RouteRegistrar {
  // The containers are counted on the raw bytes, before JSON.parse builds them.
  const verify = (_req: unknown, _res: unknown, raw: Buffer) =>
    assertJsonContainersAtMost(raw, options.maxJsonContainers);
  const jsonBody = express.json({ limit: options.bodyLimit, verify });
  return {
    route(spec) {
      registry.registerPath(toOpenApi(spec));
      const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
      const { verifyRawBody } = spec;
      const limit = spec.bodyLimit ?? options.bodyLimit;
      const bodyParser: RequestHandler = verifyRawBody
        ? express.raw({ type: () => true, limit })
        : spec.bodyLimit
          ? express.json({ limit, verify })
          : jsonBody;
      router[spec.method](expressPath, bodyParser, async (req: Request, res: Response) => {
        const caller = await admit(req, {
          access: spec.access,
          signed: verifyRawBody !== undefined,
          tokenOptional: spec.tokenOptional ?? false,
          createsSession: spec.createsSession ?? false,
        });
        res.locals.caller = caller;
        const body = verifyRawBody ? verifiedJson(req, verifyRawBody, options) : req.body;
        const input = {
          params: spec.request?.params ? spec.request.params.parse(req.params) : {},
          query: spec.request?.query ? spec.request.query.parse(req.query) : {},
          body: spec.request?.body ? spec.request.body.parse(body) : undefined,
          caller,
          req,
        };
        // On the parsed values, which the schemas have bounded: the text must be storable.
        assertWellFormedText(input.params, 'params');
        assertWellFormedText(input.query, 'query');
        assertWellFormedText(input.body, 'body');
        const result = await spec.handler(input as Parameters<typeof spec.handler>[0]);
        if ('stream' in result) return result.stream(res);
        if (result.headers) res.set(result.headers);
        if (result.body === undefined) res.status(result.status).end();
        // Text as it is (Prometheus' exposition format); everything else is JSON.
        else if (typeof result.body === 'string') res.status(result.status).send(result.body);
        else res.status(result.status).json(result.body);
      });
    },
  };
}

/** The JSON of a body whose raw bytes `verify` accepted first. */
function verifiedJson(
  req: Request,
  verify: (raw: Buffer, req: Request) => void,
  options: { maxJsonContainers: number },
): unknown {
  const raw: unknown = req.body;
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
  verify(bytes, req);
  if (bytes.length === 0) return undefined;
  assertJsonContainersAtMost(bytes, options.maxJsonContainers);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformedJson();
  }
}

function toOpenApi(spec: RouteSpec<AnyObject, AnyObject, z.ZodType>): RouteConfig {
  const responses: RouteConfig['responses'] = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    responses[status] = response.schema
      ? {
          description: response.description,
          content: { [response.contentType ?? 'application/json']: { schema: response.schema } },
        }
      : { description: response.description };
  }
  const errors = new Set([...(spec.errors ?? []), 400]);
  if (spec.access === 'admin') errors.add(401).add(403);
  else if (!spec.verifyRawBody) errors.add(401).add(429);
  for (const status of errors) {
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/json': { schema: ErrorBody } },
    };
  }
  const request: NonNullable<RouteConfig['request']> = {};
  // zod-to-openapi wants object schemas for params and query; ours always are.
  if (spec.request?.params) request.params = spec.request.params as never;
  if (spec.request?.query) request.query = spec.request.query as never;
  if (spec.request?.headers) request.headers = spec.request.headers as never;
  if (spec.request?.body) {
    request.body = { content: { 'application/json': { schema: spec.request.body } } };
  }
  const config: RouteConfig = {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tags: spec.tags,
    request,
    responses,
  };
  if (spec.access === 'admin') config.security = [{ AdminToken: [] }, { AdminApiKey: [] }];
  else if (!spec.verifyRawBody)
    config.security = [{}, { SenderToken: [] }, { SenderTokenHeader: [] }];
  return config;
}
