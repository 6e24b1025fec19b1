import { createHash, timingSafeEqual } from 'node:crypto';
import { HeraldError } from '@herald/domain';
import type { Request } from 'express';

/** Who is calling: an admin (valid key header) or a user scoped by sender number. */
export type Caller = { kind: 'admin' } | { kind: 'user' };

/** Both header names are in use: the reference says X-Admin-Token, the guide X-Admin-API-Key. */
export const ADMIN_HEADERS = ['x-admin-token', 'x-admin-api-key'] as const;

export type AdminKeyCheck = (presented: string) => boolean;

/** Compares SHA-256 digests in constant time, so neither length nor content leaks through timing. */
export function adminKeyCheck(keyHash: string): AdminKeyCheck {
  const expected = Buffer.from(keyHash, 'hex');
  return (presented) => timingSafeEqual(Buffer.from(hashAdminKey(presented), 'hex'), expected);
}

export const hashAdminKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * Reads the caller from the request. A key header that is present but wrong is an error (403)
 * rather than a silent downgrade to a user, so a misconfigured admin client notices at once.
 */
export function identifyCaller(req: Request, check: AdminKeyCheck): Caller {
  const presented = ADMIN_HEADERS.map((h) => req.get(h)).find((v) => v !== undefined && v !== '');
  if (presented === undefined) return { kind: 'user' };
  if (!check(presented)) {
    throw new HeraldError('forbidden', 'ADMIN_KEY_INVALID', 'The admin key is not valid');
  }
  return { kind: 'admin' };
}

export function requireAdmin(caller: Caller): void {
  if (caller.kind !== 'admin') {
    throw new HeraldError(
      'unauthorized',
      'ADMIN_KEY_REQUIRED',
      'This endpoint needs the admin key in the X-Admin-Token or X-Admin-API-Key header',
    );
  }
}
