import { SENDER_TURN_QUEUE, SenderTurnPayload } from '@herald/domain';
import type { Kysely } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import type { Database } from '../database.ts';

export interface EnqueueTurnOptions {
  /** Enqueue inside this transaction, so the turn commits (or not) with the rows it is about. */
  db?: Kysely<Database>;
  /** Not before this time (the sender's next due send). */
  startAfter?: Date;
}

/**
 * Asks for a turn of this sender. The queue keeps at most one queued turn per sender
 * (singletonKey, policy `short`), so asking again while one waits is a no-op returning null.
 */
export function enqueueSenderTurn(
  boss: PgBoss,
  senderNumber: string,
  options: EnqueueTurnOptions = {},
): Promise<string | null> {
  const payload = SenderTurnPayload.parse({ sender_number: senderNumber });
  return boss.send(SENDER_TURN_QUEUE, payload, {
    singletonKey: senderNumber,
    ...(options.startAfter ? { startAfter: options.startAfter } : {}),
    ...(options.db ? { db: fromKysely(options.db) } : {}),
  });
}
