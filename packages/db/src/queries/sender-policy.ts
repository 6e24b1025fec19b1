import {
  resolvePolicy,
  type SenderPolicy,
  type SenderPolicyInput,
  SenderPolicySchema,
  UNKNOWN_HOLD_REASON,
} from '@herald/domain';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';

// The sender policy as stored: the global row and per-sender overrides, each the object the API
// accepted. Read at every claim (and by the API), so a change applies from the next claim.

export interface StoredPolicy {
  policy: SenderPolicyInput;
  updated_at: Date;
}

/** The two stored policies beside `senders s`, as `gp` (global) and `op` (its override). */
export const withSenderPolicies = sql`
  LEFT JOIN sender_policy gp ON gp.id = 1
  LEFT JOIN sender_policy_overrides op ON op.sender_number = s.phone_number`;

/** Selects the stored policies of `withSenderPolicies` as `global_policy` and `override_policy`. */
export const senderPolicyColumns = sql`gp.policy AS global_policy, op.policy AS override_policy`;

/** The policy in force from the stored rows; a row that no longer parses is a bug, not input. */
export function policyInForce(row: {
  global_policy: unknown;
  override_policy: unknown;
}): SenderPolicy {
  const global = SenderPolicySchema.parse(row.global_policy ?? {});
  const override =
    row.override_policy === null ? null : SenderPolicySchema.parse(row.override_policy);
  return resolvePolicy(global, override);
}

export async function getGlobalPolicy(db: Kysely<Database>): Promise<StoredPolicy> {
  const row = await db
    .selectFrom('sender_policy')
    .select(['policy', 'updated_at'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return { policy: SenderPolicySchema.parse(row.policy), updated_at: row.updated_at };
}

/** Replaces the global policy (a field left out is off) and lifts every policy hold. */
export async function replaceGlobalPolicy(
  trx: Transaction<Database>,
  policy: SenderPolicyInput,
): Promise<StoredPolicy> {
  const row = await trx
    .insertInto('sender_policy')
    .values({ id: 1, policy: JSON.stringify(policy) })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ policy: JSON.stringify(policy), updated_at: sql`now()` }),
    )
    .returning(['policy', 'updated_at'])
    .executeTakeFirstOrThrow();
  await liftPolicyHolds(trx, null);
  return { policy: SenderPolicySchema.parse(row.policy), updated_at: row.updated_at };
}

export async function getPolicyOverride(
  db: Kysely<Database>,
  senderNumber: string,
): Promise<StoredPolicy | null> {
  const row = await db
    .selectFrom('sender_policy_overrides')
    .select(['policy', 'updated_at'])
    .where('sender_number', '=', senderNumber)
    .executeTakeFirst();
  return row ? { policy: SenderPolicySchema.parse(row.policy), updated_at: row.updated_at } : null;
}

/** Sets a sender's override (fields left out inherit the global policy); null if no such sender. */
export async function replacePolicyOverride(
  trx: Transaction<Database>,
  senderNumber: string,
  policy: SenderPolicyInput,
): Promise<StoredPolicy | null> {
  const sender = await trx
    .selectFrom('senders')
    .select('phone_number')
    .where('phone_number', '=', senderNumber)
    .forUpdate()
    .executeTakeFirst();
  if (!sender) return null;
  const json = JSON.stringify(policy);
  const row = await trx
    .insertInto('sender_policy_overrides')
    .values({ sender_number: senderNumber, policy: json })
    .onConflict((oc) =>
      oc.column('sender_number').doUpdateSet({ policy: json, updated_at: sql`now()` }),
    )
    .returning(['policy', 'updated_at'])
    .executeTakeFirstOrThrow();
  await liftPolicyHolds(trx, senderNumber);
  return { policy: SenderPolicySchema.parse(row.policy), updated_at: row.updated_at };
}

/** Removes a sender's override; false when it had none. */
export async function deletePolicyOverride(
  trx: Transaction<Database>,
  senderNumber: string,
): Promise<boolean> {
  const deleted = await trx
    .deleteFrom('sender_policy_overrides')
    .where('sender_number', '=', senderNumber)
    .executeTakeFirst();
  if (deleted.numDeletedRows === 0n) return false;
  await liftPolicyHolds(trx, senderNumber);
  return true;
}

/**
 * A policy hold sets the sender's `next_send_at`; a changed policy must not be waited out, so the
 * hold is lifted and the next claim decides again under the new policy.
 */
async function liftPolicyHolds(trx: Kysely<Database>, senderNumber: string | null): Promise<void> {
  let query = trx
    .updateTable('senders')
    .set({ next_send_at: sql`now()`, held_reason: null, updated_at: sql`now()` })
    .where('held_reason', 'is not', null)
    // The circuit breaker after an UNKNOWN is not a policy hold: only a resolution lifts it.
    .where('held_reason', '<>', UNKNOWN_HOLD_REASON);
  if (senderNumber !== null) query = query.where('phone_number', '=', senderNumber);
  await query.execute();
}
