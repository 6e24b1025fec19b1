import { SENDER_TURN_QUEUE } from '@herald/domain';
import { PgBoss } from 'pg-boss';

export interface QueueOptions {
  connectionString: string;
  /** The gateway only enqueues; it must not run pg-boss's maintenance. */
  role: 'producer' | 'consumer';
  applicationName?: string;
}

/** One configured pg-boss instance. Call `start()` before use and `stop()` on shutdown. */
export function createQueue(options: QueueOptions): PgBoss {
  const consumer = options.role === 'consumer';
  return new PgBoss({
    connectionString: options.connectionString,
    application_name: options.applicationName ?? `herald-${options.role}`,
    max: consumer ? 4 : 2,
    supervise: consumer,
    // Herald schedules nothing through pg-boss: its cron parser would load ICU's time-zone data
    // into every dispatcher (6 MiB of resident memory) for no job.
    schedule: false,
    migrate: true,
    // Dispatchers fetch with their own loop (one poll per interval), which NOTIFY cannot wake.
    useListenNotify: false,
    superviseIntervalSeconds: 30,
  });
}

const DEFAULT_TURN_EXPIRE_SECONDS = 120;

/**
 * Creates Herald's queues; idempotent, run by every process at start. Dispatchers pass
 * `turnExpireSeconds` (their turn length plus one send), which also updates an existing queue:
 * pg-boss's createQueue leaves a queue's settings as whoever created it first set them.
 */
export async function ensureQueues(boss: PgBoss, options: { turnExpireSeconds?: number } = {}) {
  const expireInSeconds = options.turnExpireSeconds ?? DEFAULT_TURN_EXPIRE_SECONDS;
  await boss.createQueue(SENDER_TURN_QUEUE, {
    // At most one queued turn per sender (singletonKey = sender); active turns are not limited
    // here because exclusivity is enforced by the sender lease in Postgres.
    policy: 'short',
    expireInSeconds,
    retryLimit: 5,
    retryDelay: 1,
    retryBackoff: true,
    deleteAfterSeconds: 3600,
  });
  if (options.turnExpireSeconds !== undefined) {
    await boss.updateQueue(SENDER_TURN_QUEUE, { expireInSeconds });
  }
}
