import type { Transaction } from 'kysely';
import type { Database } from '../database.ts';
import type { ClaimResult } from './claim-result.ts';
import { claimMessages } from './dispatch.ts';
import type { LeaseInput } from './leases.ts';
import type { RecordOutcomeResult } from './record-outcome.ts';
import { recordSentMany, type SentRecord } from './record-sent.ts';

/** A SENT answer to record, and the same turn's next claim. */
export interface SentThenClaim {
  record: SentRecord;
  lease: LeaseInput;
}

/**
 * At zero delay a turn claims again as soon as its send is recorded: both go in one transaction,
 * `recordSentMany` then `claimMessages` of the same senders, each decided exactly as alone. Only
 * for senders without a sender-switch delay: the record and the claim would each lock workers.
 */
export async function recordSentThenClaim(
  trx: Transaction<Database>,
  items: readonly SentThenClaim[],
): Promise<{ recorded: RecordOutcomeResult; next: ClaimResult }[]> {
  const recorded = await recordSentMany(
    trx,
    items.map((item) => item.record),
  );
  const next = await claimMessages(
    trx,
    items.map((item) => item.lease),
  );
  return items.map((_, i) => {
    const answer = { recorded: recorded[i], next: next[i] };
    if (!answer.recorded || !answer.next) throw new Error('a batch answered for fewer items');
    return { recorded: answer.recorded, next: answer.next };
  });
}
