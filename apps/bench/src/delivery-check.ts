import type { Database } from '@herald/db';
import type { AcceptedMessage } from '@herald/waha-emulator';
import type { Kysely } from 'kysely';
import type { EmulatedWorker } from './world.ts';

/**
 * Every message SENT exactly once: all ledger rows SENT and every campaign COMPLETED, the
 * emulators' logs holding each sender/recipient pair once, with the ids the ledger recorded.
 * Returns what is wrong, so a fast but wrong run cannot pass for a result.
 */
export function checkDelivery(
  db: Kysely<Database>,
  workers: readonly EmulatedWorker[],
  expected: number,
): Promise<string[]> {
  return checkAccepted(
    db,
    workers.flatMap((w) => w.emulator.messages()),
    expected,
  );
}

/** `checkDelivery` against the emulators' logs as given (e.g. read from an emulator process). */
export async function checkAccepted(
  db: Kysely<Database>,
  accepted: readonly AcceptedMessage[],
  expected: number,
): Promise<string[]> {
  const problems: string[] = [];
  const messages = await db.selectFrom('messages').select(['status', 'waha_message_id']).execute();
  const notSent = messages.filter((m) => m.status !== 'SENT');
  if (messages.length !== expected || notSent.length > 0) {
    problems.push(`${messages.length} messages in the ledger, ${notSent.length} of them not SENT`);
  }
  const pairs = new Set(accepted.map((m) => `${m.session}/${m.chatId}`));
  if (accepted.length !== expected || pairs.size !== expected) {
    problems.push(
      `the emulators accepted ${accepted.length} messages for ${pairs.size} sender/recipient pairs, expected ${expected} of each`,
    );
  }
  const acceptedIds = new Set(accepted.map((m) => m.id));
  const unmatched = messages.filter(
    (m) => m.status === 'SENT' && !acceptedIds.has(m.waha_message_id ?? ''),
  );
  if (unmatched.length > 0) {
    problems.push(`${unmatched.length} SENT rows carry an id no emulator issued`);
  }
  const open = await db
    .selectFrom('campaigns')
    .select('id')
    .where('status', '!=', 'COMPLETED')
    .execute();
  if (open.length > 0) problems.push(`${open.length} campaigns not COMPLETED`);
  return problems;
}
