import { type ClaimResult, claimMessages, type Database, type LeaseInput } from '@herald/db';
import type { Kysely } from 'kysely';

/** Claims in one transaction at most; more wait for the next. */
const MAX_BATCH = 200;
/** Batches in flight at once: one may wait on a sender's lock while the next goes ahead. */
const MAX_IN_FLIGHT = 2;

export interface ClaimBatcher {
  /** `claimNextMessage` for this lease, in one transaction with the claims asked meanwhile. */
  claim(lease: LeaseInput): Promise<ClaimResult>;
}

interface Waiting {
  lease: LeaseInput;
  resolve(result: ClaimResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit for claims: the turns of a dispatcher ask for their next message one by one, and
 * every claim asked while a batch is under way goes into the next, one transaction for all of
 * them (`claimMessages`). Each sender is decided exactly as alone; a failed batch fails each of its
 * claims as a failed claim would, and nothing of it was written.
 */
export function createClaimBatcher(db: Kysely<Database>): ClaimBatcher {
  const waiting: Waiting[] = [];
  let inFlight = 0;

  function flush(): void {
    while (inFlight < MAX_IN_FLIGHT && waiting.length > 0) {
      const batch = waiting.splice(0, MAX_BATCH);
      inFlight += 1;
      db.transaction()
        .execute((trx) =>
          claimMessages(
            trx,
            batch.map((w) => w.lease),
          ),
        )
        .then(
          (results) => {
            batch.forEach((w, i) => {
              const result = results[i];
              if (result) w.resolve(result);
              else w.reject(new Error('a batched claim returned no result for a sender'));
            });
          },
          (error: unknown) => {
            for (const w of batch) w.reject(error);
          },
        )
        .finally(() => {
          inFlight -= 1;
          flush();
        });
    }
  }

  return {
    claim(lease) {
      return new Promise<ClaimResult>((resolve, reject) => {
        waiting.push({ lease, resolve, reject });
        // The claims asked in this same turn of the event loop join the batch.
        if (waiting.length === 1) setImmediate(flush);
      });
    },
  };
}
