import { SENDER_TURN_QUEUE } from '@herald/domain';
import type { PgBoss } from 'pg-boss';

/** Turns of this sender waiting in the queue (not the running ones). */
export function queuedTurns(boss: PgBoss, sender: string) {
  return boss.findJobs(SENDER_TURN_QUEUE, { key: sender, queued: true });
}

/** Every turn job, of one sender or of all, whatever its state (oldest first, at most 1000). */
export function turnJobs(boss: PgBoss, sender?: string) {
  return boss.findJobs(SENDER_TURN_QUEUE, sender === undefined ? {} : { key: sender });
}
