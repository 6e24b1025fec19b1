import { createHash, randomBytes } from 'node:crypto';
import { deleteSenderToken, findSenderByTokenHash, storeSenderToken } from '@herald/db';
import { HeraldError } from '@herald/domain';
import type { AppDeps } from '../deps.ts';

/** Only this digest is stored: a database leak does not hand out working tokens. */
export const hashSenderToken = (token: string) =>
  createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Puts a new random token (32 bytes) in force for the number and returns it: the one time it
 * exists in clear. The previous token, if any, stops working at once.
 */
export async function issueSenderToken(deps: Pick<AppDeps, 'db'>, phone: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await storeSenderToken(deps.db, phone, hashSenderToken(token));
  return token;
}

export async function revokeSenderToken(deps: Pick<AppDeps, 'db'>, phone: string) {
  return deleteSenderToken(deps.db, phone);
}

/** The number a presented token belongs to; 401 for a token not in force (never a silent downgrade). */
export async function senderOfToken(deps: Pick<AppDeps, 'db'>, token: string): Promise<string> {
  const phone = await findSenderByTokenHash(deps.db, hashSenderToken(token));
  if (phone === undefined) {
    throw new HeraldError(
      'unauthorized',
      'SENDER_TOKEN_INVALID',
      'The sender token is not valid (it may have been rotated or revoked)',
    );
  }
  return phone;
}

export const senderTokenRequired = () =>
  new HeraldError(
    'unauthorized',
    'SENDER_TOKEN_REQUIRED',
    'Send your sender token as "Authorization: Bearer <sender_token>" or X-Sender-Token',
  );
