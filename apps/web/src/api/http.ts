import type { Paths } from '../../generated/api-schema.ts';

/** Who the page acts as: the admin (key header) or one sender (number, and token if any). */
export type Credentials =
  | { kind: 'admin'; adminKey: string }
  | { kind: 'sender'; number: string; token: string | null };

/** A problem with one field, as the API's VALIDATION_FAILED details list them. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** An API answer that was not a success: its status, code and words, and field problems. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldProblem[];
  /** The API's `details` as sent (a list of invalid numbers, a worker's address…). */
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.fields = Array.isArray(details)
      ? (details as FieldProblem[]).filter((d) => typeof d?.path === 'string')
      : [];
  }

  /** What the API said about `field` (and its sub-fields), if anything. */
  about(field: string): string | undefined {
    const own = this.fields.filter((f) => f.path === field || f.path.startsWith(`${field}.`));
    return own.length ? own.map((f) => f.message).join('; ') : undefined;
  }
}

export type Operation = keyof Paths;
type Input<K extends Operation> = {
  path?: Paths[K]['path'];
  query?: Paths[K]['query'];
  body?: Paths[K]['body'];
};

export function authHeaders(who: Credentials): Record<string, string> {
  if (who.kind === 'admin') return { 'X-Admin-API-Key': who.adminKey };
  return who.token ? { 'X-Sender-Token': who.token } : {};
}

/** The URL of an operation such as 'GET /api/status/{campaign_id}', with its parameters. */
export function urlOf<K extends Operation>(operation: K, input: Input<K>): string {
  const template = operation.slice(operation.indexOf(' ') + 1);
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(String((input.path as Record<string, unknown>)?.[name] ?? '')),
  );
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries((input.query ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** Calls one operation of Herald's API; a non-2xx answer throws an ApiError in the API's words. */
export async function call<K extends Operation>(
  who: Credentials,
  operation: K,
  input: Input<K> = {},
): Promise<Paths[K]['response']> {
  const method = operation.slice(0, operation.indexOf(' '));
  const headers: Record<string, string> = { ...authHeaders(who), Accept: 'application/json' };
  if (input.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(urlOf(operation, input), {
      method,
      headers,
      body: input.body === undefined ? undefined : JSON.stringify(input.body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Herald did not answer: check that the gateway is running');
  }
  const text = await response.text();
  const json = text ? safeParse(text) : undefined;
  if (!response.ok) throw toApiError(response.status, json);
  return json as Paths[K]['response'];
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toApiError(status: number, json: unknown): ApiError {
  const error = (json as { error?: { code?: string; message?: string; details?: unknown } })?.error;
  return new ApiError(
    status,
    error?.code ?? `HTTP_${status}`,
    error?.message ?? `Herald answered ${status} without an explanation`,
    error?.details,
  );
}
