import { createHash } from 'node:crypto';
import type { StoredIdempotencyKey } from '@herald/db';
import { HeraldError, validationError } from '@herald/domain';

/** What a client sent as `Idempotency-Key`, checked, with the hash of the request it covers. */
export interface IdempotencyClaim {
  key: string;
  requestHash: string;
}

const PRINTABLE = /^[\x20-\x7e]{1,255}$/;

/** The header's key, undefined when absent; 400 when it is empty, too long or not printable. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!PRINTABLE.test(header)) {
    throw validationError(
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1 to 255 printable ASCII characters (a UUID is a good choice)',
    );
  }
  return header;
}

/**
 * The hash that says whether two requests are "the same body": taken over the body as parsed,
 * so whitespace or key order in the JSON does not matter but every value does.
 */
export function hashRequest(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/** A stored key answers a request with the same hash; another hash is a client bug (422). */
export function assertSameRequest(stored: StoredIdempotencyKey, claim: IdempotencyClaim): void {
  if (stored.request_hash !== claim.requestHash) {
    throw new HeraldError(
      'unprocessable',
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used by this sender for a different request; use a new key for a new campaign',
      { campaign_id: stored.campaign_id },
    );
  }
}
