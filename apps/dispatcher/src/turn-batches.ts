import {
  acquireSenderLeases,
  type ClaimResult,
  claimMessages,
  type Database,
  enqueueSenderTurns,
  type LeaseInput,
  recordSentMany,
  recordSentThenClaim,
  releaseSenderLeases,
  type SentRecord,
  type SentThenClaim,
} from '@herald/db';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { createBatcher } from './batcher.ts';
import { CLAIM_AHEAD_MS, type DatabaseClock, timedTransaction } from './claim-clock.ts';
import type { DispatchContext, HandBack } from './context.ts';
import type { DueTurns } from './due-turns.ts';

type TurnBatches = Pick<
  DispatchContext,
  'claims' | 'leaseTakes' | 'handBacks' | 'sent' | 'sentThenClaim'
>;

/**
 * The transactions a dispatcher's turns share: what its turns ask at the same moment (claims,
 * lease takes and hand-backs, SENT records) goes into one transaction or statement for all.
 */
export function createTurnBatches(deps: {
  db: Kysely<Database>;
  boss: PgBoss;
  clock: DatabaseClock;
  dueTurns: DueTurns;
}): TurnBatches {
  const { db, boss, clock, dueTurns } = deps;
  return {
    // Each claim's transaction is a reading of the database's clock; its pacing maps through it.
    claims: createBatcher(async (leases: LeaseInput[]) => {
      const aheadSeconds = CLAIM_AHEAD_MS / 1000;
      const { result, started, answered } = await timedTransaction(db, (trx) =>
        claimMessages(trx, leases, { aheadSeconds }),
      );
      observeClaims(clock, result, started, answered);
      return result.map((claim) => ({ claim, started }));
    }),
    leaseTakes: createBatcher((leases: LeaseInput[]) =>
      db.transaction().execute((trx) => acquireSenderLeases(trx, leases)),
    ),
    // Turns started together end together: their hand-backs share transactions, so thousands
    // ending in the same second do not each wait for a connection of their own.
    handBacks: createBatcher(async (ends: HandBack[]) => {
      const queued = await db.transaction().execute(async (trx) => {
        const released = await releaseSenderLeases(
          trx,
          ends.map((end) => end.lease),
        );
        const continuing = ends.flatMap((end, i) => {
          const { released: gaveBack, pending, sendable } = released[i] ?? {};
          return gaveBack && pending && sendable && end.next
            ? [{ senderNumber: end.lease.senderNumber, ...end.next }]
            : [];
        });
        await enqueueSenderTurns(boss, continuing, { db: trx });
        return continuing;
      });
      for (const turn of queued) dueTurns.expect(turn.startAfter);
      return ends.map(() => undefined);
    }),
    sent: createBatcher((records: SentRecord[]) => recordSentMany(db, records)),
    sentThenClaim: createBatcher(async (items: SentThenClaim[]) => {
      const { result, started, answered } = await timedTransaction(db, (trx) =>
        recordSentThenClaim(trx, items),
      );
      observeClaims(
        clock,
        result.map(({ next }) => next),
        started,
        answered,
      );
      return result.map(({ recorded, next }) => ({ recorded, next: { claim: next, started } }));
    }),
  };
}

/** The claims of one transaction share its `now()`: one reading of the database's clock. */
function observeClaims(
  clock: DatabaseClock,
  claims: readonly ClaimResult[],
  started: number,
  answered: number,
): void {
  const stamped = claims.find((claim) => 'now' in claim);
  if (stamped && 'now' in stamped) clock.observe({ started, stamp: stamped.now, answered });
}
