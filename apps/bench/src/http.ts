import { request } from 'undici';

export interface JsonAnswer {
  status: number;
  body: unknown;
}

/** One real HTTP request with a JSON body (already serialised); the answer is parsed. */
export async function postJson(
  url: string,
  payload: string,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<JsonAnswer> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: payload,
    signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
}

/** Whether anything answers HTTP at `url` (any status); false while nothing listens. */
export async function answers(url: string): Promise<boolean> {
  try {
    const response = await request(url, { signal: AbortSignal.timeout(2000) });
    await response.body.dump();
    return true;
  } catch {
    return false;
  }
}
