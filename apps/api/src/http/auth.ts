import { createHash, timingSafeEqual } from 'node:crypto';
import { HeraldError } from '@herald/domain';
import type { Request } from 'express';

/**
 * Who is calling: an admin (valid key header) or a user. A user who presented a valid sender
 * token is that sender (`sender`, its number); without one, `sender` is null.
 */
export type Caller = { kind: 'admin' } | { kind: 'user'; sender: string | null };

/** What the guard needs to know of a route. */
export interface GuardedRoute {
  access: 'admin' | 'open';
  /** Authenticated by its own signature (WAHA's webhooks): no user rules apply. */
  signed: boolean;
  /** May be called without a token in token mode (POST /api/sessions of a number without one). */
  tokenOptional?: boolean;
  /** Counts against the per-address limit of session creation. */
  createsSession?: boolean;
}

export type RequestGuard = (req: Request, route: GuardedRoute) => Promise<Caller>;

/** Both header names are in use: the reference says X-Admin-Token, the guide X-Admin-API-Key. */
export const ADMIN_HEADERS = ['x-admin-token', 'x-admin-api-key'] as const;

export type AdminKeyCheck = (presented: string) => boolean;

/** Compares SHA-256 digests in constant time, so neither length nor content leaks through timing. */
export function adminKeyCheck(keyHash: string): AdminKeyCheck {
  const expected = Buffer.from(keyHash, 'hex');
  return (presented) => timingSafeEqual(Buffer.from(hashAdminKey(presented), 'hex'), expected);
}

export const hashAdminKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/** The admin key a request presents, if any. */
export const adminKeyOf = (req: Request): string | undefined =>
  ADMIN_HEADERS.map((h) => req.get(h)).find((v) => v !== undefined && v !== '');

/** The sender token a request presents: `Authorization: Bearer <token>` or `X-Sender-Token`. */
export function senderTokenOf(req: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
  const header = req.get('x-sender-token')?.trim();
  return bearer ?? (header === '' ? undefined : header);
}

export const adminKeyInvalid = () =>
  new HeraldError('forbidden', 'ADMIN_KEY_INVALID', 'The admin key is not valid');

export const adminKeyRequired = () =>
  new HeraldError(
    'unauthorized',
    'ADMIN_KEY_REQUIRED',
    'This endpoint needs the admin key in the X-Admin-Token or X-Admin-API-Key header',
  );
