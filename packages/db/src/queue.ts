import { SENDER_TURN_QUEUE, SESSION_KEEPALIVE_QUEUE } from '@herald/domain';
import { PgBoss } from 'pg-boss';

export interface QueueOptions {
  connectionString: string;
  /** Seconds a sender turn may stay active before pg-boss retries it (turn length plus one send). */
  turnExpireSeconds: number;
  /** The gateway only enqueues; it must not run pg-boss's maintenance or cron. */
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
    schedule: consumer,
    migrate: true,
    useListenNotify: consumer,
    superviseIntervalSeconds: 30,
  });
}

/** Creates Herald's queues; idempotent, run by every process at start. */
export async function ensureQueues(boss: PgBoss, options: Pick<QueueOptions, 'turnExpireSeconds'>) {
  await boss.createQueue(SENDER_TURN_QUEUE, {
    // At most one queued turn per sender (singletonKey = sender); active turns are not limited
    // here because exclusivity is enforced by the sender lease in Postgres.
    policy: 'short',
    expireInSeconds: options.turnExpireSeconds,
    retryLimit: 5,
    retryDelay: 1,
    retryBackoff: true,
    deleteAfterSeconds: 3600,
    notify: true,
  });
  await boss.createQueue(SESSION_KEEPALIVE_QUEUE, {
    policy: 'singleton',
    expireInSeconds: 600,
    retryLimit: 2,
    deleteAfterSeconds: 7 * 86400,
  });
}
