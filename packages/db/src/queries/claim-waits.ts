import type { PacingDelay, WaitReason } from '@herald/domain';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';
import { type LeaseInput, leaseUntil } from './leases.ts';
import { nextRetryAt } from './next-message.ts';

// The claims that send nothing now: the sender waits (pacing, a retry's backoff) or is held by
// its policy. Run under the sender's lock, inside the claim's transaction.

const NOW = sql<Date>`now()`;

/** A claim that sends nothing now: look again at `until`. */
export interface ClaimWait {
  kind: 'wait';
  now: Date;
  until: Date;
  reason: string;
}

/** Nothing is due now: wait for a message in backoff if there is one, else the sender is done. */
export async function nothingDue(
  trx: Transaction<Database>,
  input: LeaseInput,
  now: Date,
): Promise<{ kind: 'empty' } | ClaimWait> {
  const retry = await nextRetryAt(trx, input.senderNumber);
  if (!retry) return { kind: 'empty' };
  return waitAndRenew(trx, input, now, { at: retry, reason: 'RETRY_BACKOFF' });
}

/**
 * The policy holds the sender until `until`: recorded as its due time, so the recovery sweep
 * leaves it alone until then, and a policy change can lift it (`held_reason`).
 */
export async function holdSender(
  trx: Transaction<Database>,
  senderNumber: string,
  until: Date,
  reason: WaitReason,
): Promise<void> {
  await trx
    .updateTable('senders')
    .set({
      next_send_at: sql`GREATEST(next_send_at, ${until})`,
      held_reason: reason,
      updated_at: NOW,
    })
    .where('phone_number', '=', senderNumber)
    .execute();
}

export async function waitAndRenew(
  trx: Transaction<Database>,
  input: LeaseInput,
  now: Date,
  delay: PacingDelay | { at: Date; reason: string },
): Promise<ClaimWait> {
  // Waiting is part of the turn: keep the lease alive so no other dispatcher takes the sender.
  await trx
    .updateTable('senders')
    .set({ lease_expires_at: leaseUntil(input.leaseSeconds), updated_at: NOW })
    .where('phone_number', '=', input.senderNumber)
    .execute();
  return { kind: 'wait', now, until: delay.at, reason: delay.reason };
}
