import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

/** The number whose token has this SHA-256, if any token in force has it. */
export async function findSenderByTokenHash(
  db: Kysely<Database>,
  tokenSha256: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('sender_tokens')
    .select('phone_number')
    .where('token_sha256', '=', tokenSha256)
    .executeTakeFirst();
  return row?.phone_number;
}

/** Whether the number has a token in force. */
export async function hasSenderToken(db: Kysely<Database>, phone: string): Promise<boolean> {
  const row = await db
    .selectFrom('sender_tokens')
    .select('phone_number')
    .where('phone_number', '=', phone)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Puts a new token hash in force for the number (replacing any other, so the old token stops
 * working at once). The sender row is created if needed, since the token references it.
 */
export async function storeSenderToken(
  db: Kysely<Database>,
  phone: string,
  tokenSha256: string,
): Promise<void> {
  await ensureSenderRow(db, phone);
  await db
    .insertInto('sender_tokens')
    .values({ phone_number: phone, token_sha256: tokenSha256 })
    .onConflict((oc) =>
      oc.column('phone_number').doUpdateSet({ token_sha256: tokenSha256, created_at: sql`now()` }),
    )
    .execute();
}

/** Removes the number's token; returns whether there was one. */
export async function deleteSenderToken(db: Kysely<Database>, phone: string): Promise<boolean> {
  const result = await db
    .deleteFrom('sender_tokens')
    .where('phone_number', '=', phone)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Creates the sender's row if it is new, without locking an existing one (no wait on a dispatcher). */
export async function ensureSenderRow(db: Kysely<Database>, phone: string): Promise<void> {
  await db
    .insertInto('senders')
    .values({ phone_number: phone })
    .onConflict((oc) => oc.column('phone_number').doNothing())
    .execute();
}
