import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Rng } from './rng.ts';
import {
  hostileValue,
  mutateValue,
  NASTY_STRINGS,
  type Resolve,
  type Schema,
  validValue,
} from './values.ts';

/** One operation of the OpenAPI document, with what a request to it can carry. */
export interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query' | 'header'; schema: Schema }[];
  body: Schema | null;
  /** Statuses the document lists for it. */
  documented: Set<number>;
}

export interface FuzzRequest {
  op: Operation;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What was done to it, for the report of a failure. */
  mutation: string;
}

export interface Secrets {
  adminKey: string;
  hmacKey: string;
  /** A sender the database has as CONNECTED, so submissions get past the session check. */
  sender: string;
}

type OpenApi = { paths: Record<string, Record<string, Record<string, unknown>>> };

/** Every operation of the document, with its $refs resolvable. */
export function readOperations(doc: unknown): { operations: Operation[]; resolve: Resolve } {
  const api = doc as OpenApi & { components?: { schemas?: Record<string, Schema> } };
  const schemas = api.components?.schemas ?? {};
  const resolve: Resolve = (schema) => {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    return schemas[ref.split('/').pop() ?? ''] ?? {};
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(api.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = ((op.parameters as Schema[] | undefined) ?? []).map((p) => ({
        name: p.name as string,
        in: p.in as 'path' | 'query' | 'header',
        schema: (p.schema as Schema) ?? {},
      }));
      const content = (op.requestBody as { content?: Record<string, { schema: Schema }> })?.content;
      operations.push({
        method: method.toUpperCase(),
        path,
        params,
        body: content?.['application/json']?.schema ?? null,
        documented: new Set(Object.keys(op.responses as object).map(Number)),
      });
    }
  }
  return { operations, resolve };
}

const EXTRA_HEADERS = [
  'X-Sender-Number',
  'Authorization',
  'X-Sender-Token',
  'X-Request-Id',
  'Origin',
  'Idempotency-Key',
];

/** Percent-encodes like a client would, or sends a raw sequence a client would not. */
function encodeSegment(value: unknown, rng: Rng): string {
  if (rng.chance(0.1))
    return rng.pick(['%', '%zz', '%ED%A0%80', '%C0%80', '..%2F..%2F', '%00', '%FF']);
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
  return encodeURIComponent(text.isWellFormed() ? text : text.toWellFormed()).slice(0, 20_000);
}

/** A request to `op`: mostly valid, with one part made hostile (or none, now and then). */
export function buildRequest(
  op: Operation,
  rng: Rng,
  resolve: Resolve,
  secrets: Secrets,
): FuzzRequest {
  const target = rng.int(op.params.length + (op.body ? 3 : 1));
  const mutations: string[] = [];
  let path = op.path;
  const query: string[] = [];
  const headers: Record<string, string> = {};
  op.params.forEach((param, i) => {
    let value = validValue(param.schema, rng, resolve);
    if (param.name.includes('number') && rng.chance(0.5)) value = secrets.sender;
    if (i === target) {
      value = mutateValue(value, rng);
      mutations.push(`${param.in}:${param.name}`);
    } else if (param.in === 'query' && rng.chance(0.4)) return;
    const encoded = encodeSegment(value, rng);
    if (param.in === 'path') path = path.replace(`{${param.name}}`, encoded || '%20');
    else if (param.in === 'query') {
      query.push(`${encodeURIComponent(param.name)}=${encoded}`);
      if (i === target && rng.chance(0.2))
        query.push(`${encodeURIComponent(param.name)}=${encoded}`);
    } else
      headers[param.name] = String(value)
        .replace(/[^\x20-\x7e]/g, '?')
        .slice(0, 4000);
  });
  if (rng.chance(0.15))
    query.push(
      `${rng.pick(['a', 'limit[]', 'x[y]', '__proto__'])}=${encodeSegment(hostileValue(rng), rng)}`,
    );
  if (rng.chance(0.5))
    headers['X-Admin-Token'] = rng.chance(0.9) ? secrets.adminKey : 'wrong-key-0123456789-abcdef';
  if (rng.chance(0.2)) {
    const name = rng.pick(EXTRA_HEADERS);
    headers[name] = rng.chance(0.5)
      ? secrets.sender
      : String(rng.pick(NASTY_STRINGS)).replace(/[^\x20-\x7e]/g, '?');
  }
  const request: FuzzRequest = {
    op,
    method: op.method,
    path: query.length > 0 ? `${path}?${query.join('&')}` : path,
    headers,
    mutation: '',
  };
  if (op.body) {
    let body = validValue(op.body, rng, resolve);
    if (body && typeof body === 'object' && 'sender_number' in body && rng.chance(0.6)) {
      (body as Record<string, unknown>).sender_number = secrets.sender;
    }
    if (target >= op.params.length && target < op.params.length + 2) {
      body = mutateValue(body, rng);
      mutations.push('body');
    }
    request.body = Buffer.from(JSON.stringify(body) ?? 'null');
    request.headers['content-type'] = 'application/json';
    if (target === op.params.length + 2) mutations.push(mutateEncoding(request, rng));
    if (op.path.includes('webhook') && rng.chance(0.7)) signWebhook(request, rng, secrets.hmacKey);
  }
  request.mutation = mutations.join(', ') || 'none';
  return request;
}

/** Damages the body at the byte level: syntax, charset, content type or encoding. */
function mutateEncoding(request: FuzzRequest, rng: Rng): string {
  const json = request.body ?? Buffer.alloc(0);
  const choice = rng.int(11);
  switch (choice) {
    case 0:
      request.body = json.subarray(0, rng.int(json.length + 1));
      return 'truncated';
    case 1:
      request.body = Buffer.concat([
        json.subarray(0, 5),
        Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80, 0xc0, 0x80]),
        json.subarray(5),
      ]);
      return 'invalid utf-8';
    case 2:
      request.body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]);
      return 'bom';
    case 3:
      request.headers['content-type'] = rng.pick([
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        'application/json; charset=nope',
        '',
      ]);
      return `content-type ${request.headers['content-type']}`;
    case 4:
      request.headers['content-encoding'] = rng.pick([
        'gzip',
        'deflate',
        'br',
        'zstd',
        'compress',
        'gzip, gzip',
        'identity, gzip',
      ]);
      return `content-encoding ${request.headers['content-encoding']} on plain bytes`;
    case 5:
      request.body = gzipSync(json).subarray(0, Math.max(1, rng.int(20)));
      request.headers['content-encoding'] = 'gzip';
      return 'truncated gzip';
    case 6:
      request.body = gzipSync(json);
      request.headers['content-encoding'] = 'gzip';
      return 'gzip';
    case 7:
      request.body = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
      return 'deep nesting';
    case 8:
      request.body = Buffer.from(
        rng.pick(['', 'null', '1', '"x"', '[]', '{', '{"a":1,}', 'NaN', '{"a":1}{"b":2}']),
      );
      return 'not an object';
    case 9:
      request.body = Buffer.from(JSON.stringify({ ...JSON.parse('{"__proto__":{"admin":true}}') }));
      return 'proto key';
    default:
      request.body = Buffer.from(json.toString('utf8').replace(/"([^"\\]{1,20})"/, '"\\ud800$1"'));
      return 'lone surrogate escape';
  }
}

function signWebhook(request: FuzzRequest, rng: Rng, key: string): void {
  if (rng.chance(0.5) && request.body) {
    // A well-formed, fresh event, so the handler itself is reached.
    const event = {
      id: `evt_${rng.int(1e9)}`,
      timestamp: Date.now() - rng.int(2_000_000),
      event: rng.pick(['session.status', 'message.ack', 'message.any', 'x']),
      session: rng.pick(['21642108077', 'default', '']),
      payload: mutateValue({ id: 'true_1@c.us_X', ack: 2, status: 'WORKING', fromMe: true }, rng),
    };
    request.body = Buffer.from(JSON.stringify(event));
  }
  request.headers['x-webhook-hmac'] = createHmac('sha512', key)
    .update(request.body ?? Buffer.alloc(0))
    .digest('hex');
}
