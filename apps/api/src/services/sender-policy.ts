import {
  bringTurnsForward,
  deletePolicyOverride,
  enqueueSenderTurn,
  getPolicyOverride,
  replaceGlobalPolicy,
  replacePolicyOverride,
  resumeSender,
  type StoredPolicy,
} from '@herald/db';
import { notFound, type SenderPolicyInput } from '@herald/domain';
import type { AppDeps } from '../deps.ts';

// Policy changes apply from the next claim: the holds they lift are cleared in the same
// transaction, and the senders' turns queued for later start now.

export async function setGlobalPolicy(deps: AppDeps, policy: SenderPolicyInput) {
  const stored = await deps.db.transaction().execute((trx) => replaceGlobalPolicy(trx, policy));
  await bringTurnsForward(deps.boss, 'ALL');
  return stored;
}

export async function readOverride(deps: AppDeps, senderNumber: string): Promise<StoredPolicy> {
  const stored = await getPolicyOverride(deps.db, senderNumber);
  if (!stored) throw noOverride(senderNumber);
  return stored;
}

export async function setOverride(
  deps: AppDeps,
  senderNumber: string,
  policy: SenderPolicyInput,
): Promise<StoredPolicy> {
  const stored = await deps.db
    .transaction()
    .execute((trx) => replacePolicyOverride(trx, senderNumber, policy));
  if (!stored) {
    throw notFound('SENDER_NOT_FOUND', `No sender ${senderNumber}: open a session for it first`);
  }
  await bringTurnsForward(deps.boss, [senderNumber]);
  return stored;
}

export async function removeOverride(deps: AppDeps, senderNumber: string): Promise<void> {
  const deleted = await deps.db
    .transaction()
    .execute((trx) => deletePolicyOverride(trx, senderNumber));
  if (!deleted) throw noOverride(senderNumber);
  await bringTurnsForward(deps.boss, [senderNumber]);
}

/** Lifts a HEALTH pause; its campaigns continue from the next claim. */
export async function resumePausedSender(deps: AppDeps, senderNumber: string): Promise<void> {
  if (!(await resumeSender(deps.db, senderNumber))) {
    throw notFound('SENDER_NOT_PAUSED', `Sender ${senderNumber} is not paused for HEALTH`);
  }
  // A paused sender's turn ended without queueing another.
  await enqueueSenderTurn(deps.boss, senderNumber);
}

const noOverride = (senderNumber: string) =>
  notFound('POLICY_OVERRIDE_NOT_FOUND', `Sender ${senderNumber} has no policy override`);
