// biome-ignore lint/suspicious/noExplicitAny: tests assert response bodies field by field
export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is with a JSON content type (for malformed bodies). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** One real HTTP request; the body is parsed as JSON when there is one. */
// biome-ignore lint/suspicious/noExplicitAny: tests assert response bodies field by field
export async function call<T = any>(
  method: string,
  url: string,
  options: CallOptions = {},
): Promise<CallResult<T>> {
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const response = await fetch(url, {
    method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body:
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}
