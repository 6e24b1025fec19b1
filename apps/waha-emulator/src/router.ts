import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Reply } from './http.ts';

export interface RouteRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  headers: IncomingHttpHeaders;
  /** For routes that must act after their answer went out (going offline, stopping). */
  res: ServerResponse;
}

export type Handler = (req: RouteRequest) => Promise<Reply> | Reply;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Segments starting with `:` capture, e.g. `/api/sessions/:session/start`. */
  pattern: string;
  handler: Handler;
}

/**
 * Matches like Express with Nest's defaults: case-insensitive static segments, a trailing
 * slash ignored, the first matching route wins (so static routes go before `:param` ones).
 */
export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | null {
  const segments = splitPath(path);
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = splitPath(route.pattern);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < pattern.length; i++) {
      const expected = pattern[i] as string;
      const actual = segments[i] as string;
      if (expected.startsWith(':')) {
        params[expected.slice(1)] = safeDecode(actual);
      } else if (expected.toLowerCase() !== actual.toLowerCase()) {
        matched = false;
        break;
      }
    }
    if (matched) return { route, params };
  }
  return null;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Express keeps the first value of a repeated query parameter for our purposes. */
export function parseQuery(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (!(key in query)) query[key] = value;
  }
  return query;
}
