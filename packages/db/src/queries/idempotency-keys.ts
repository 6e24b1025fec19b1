import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.ts';

export interface StoredIdempotencyKey {
  request_hash: string;
  campaign_id: number;
  response_status: number;
  duplicate_recipients: string[];
}

/** The submit a sender already made under this key, if any. */
export function findIdempotencyKey(
  db: Kysely<Database>,
  senderNumber: string,
  key: string,
): Promise<StoredIdempotencyKey | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'campaign_id', 'response_status', 'duplicate_recipients'])
    .where('sender_number', '=', senderNumber)
    .where('key', '=', key)
    .executeTakeFirst();
}

/**
 * Records a key in the transaction that creates its campaign, so a key never exists without its
 * campaign nor a campaign without its key. The caller holds the sender's row lock, so two submits
 * with one key cannot both get here; the primary key would refuse the second anyway.
 */
export async function insertIdempotencyKey(
  trx: Transaction<Database>,
  values: {
    sender_number: string;
    key: string;
    request_hash: string;
    campaign_id: number;
    response_status: number;
    duplicate_recipients: string[];
  },
): Promise<void> {
  await trx
    .insertInto('idempotency_keys')
    .values({ ...values, duplicate_recipients: JSON.stringify(values.duplicate_recipients) })
    .execute();
}

/** Forgets keys older than `keepSeconds`; returns how many went. */
export async function deleteExpiredIdempotencyKeys(
  db: Kysely<Database>,
  keepSeconds: number,
): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${keepSeconds}::float8)`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
