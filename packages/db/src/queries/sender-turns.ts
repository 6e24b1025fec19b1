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

/**
 * `enqueueSenderTurn` for many senders in one statement (in the transaction `db`), each not
 * before its own `startAfter`; a sender with a turn already queued keeps that one.
 */
export async function enqueueSenderTurns(
  boss: PgBoss,
  turns: readonly { senderNumber: string; startAfter?: Date }[],
  options: Pick<EnqueueTurnOptions, 'db'> = {},
): Promise<void> {
  if (turns.length === 0) return;
  await boss.insert(
    SENDER_TURN_QUEUE,
    turns.map(({ senderNumber, startAfter }) => ({
      data: SenderTurnPayload.parse({ sender_number: senderNumber }),
      singletonKey: senderNumber,
      ...(startAfter ? { startAfter } : {}),
    })),
    options.db ? { db: fromKysely(options.db) } : {},
  );
}

/**
 * Turns queued for later (a sender held by its policy, or paused) start now instead: after a
 * policy change or a resume, the next claim decides again rather than the old hold being waited
 * out. The queue keeps one queued turn per sender, so the later one is removed first; a turn that
 * starts meanwhile is harmless (the lease keeps turns of one sender apart).
 */
export async function bringTurnsForward(
  boss: PgBoss,
  senderNumbers: readonly string[] | 'ALL',
): Promise<number> {
  const queued =
    senderNumbers === 'ALL'
      ? await boss.findJobs<SenderTurnPayload>(SENDER_TURN_QUEUE, { queued: true, limit: 100_000 })
      : (
          await Promise.all(
            senderNumbers.map((key) =>
              boss.findJobs<SenderTurnPayload>(SENDER_TURN_QUEUE, { queued: true, key }),
            ),
          )
        ).flat();
  const later = queued.filter((job) => job.startAfter.getTime() > Date.now());
  if (later.length === 0) return 0;
  await boss.deleteJob(
    SENDER_TURN_QUEUE,
    later.map((job) => job.id),
  );
  for (const job of later) await enqueueSenderTurn(boss, job.data.sender_number);
  return later.length;
}
