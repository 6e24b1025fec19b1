import { randomBytes } from 'node:crypto';
import type { Database } from '@herald/db';
import type { Kysely } from 'kysely';
import { hashAdminKey } from '../http/auth.ts';

export interface AdminKeySetup {
  /** SHA-256 hex of the key in force. */
  hash: string;
  /** Set only when the key was generated now: the one time it can be shown. */
  generated?: string;
}

/**
 * The configured ADMIN_API_KEY wins. Without one, the first start generates a strong key, keeps only
 * its hash, and hands it back once to be printed; later starts reuse the hash. There is no default.
 */
export async function ensureAdminKey(
  db: Kysely<Database>,
  configured?: string,
): Promise<AdminKeySetup> {
  if (configured) return { hash: hashAdminKey(configured) };
  const key = randomBytes(24).toString('base64url');
  const inserted = await db
    .insertInto('secrets')
    .values({ name: 'admin_key_sha256', value: hashAdminKey(key) })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('value')
    .executeTakeFirst();
  if (inserted) return { hash: inserted.value, generated: key };
  const stored = await db
    .selectFrom('secrets')
    .select('value')
    .where('name', '=', 'admin_key_sha256')
    .executeTakeFirstOrThrow();
  return { hash: stored.value };
}

/** The key WAHA signs webhooks with: configured, or generated once and kept (WAHA needs it in clear). */
export async function ensureWebhookKey(db: Kysely<Database>, configured?: string): Promise<string> {
  if (configured) return configured;
  await db
    .insertInto('secrets')
    .values({ name: 'webhook_hmac_key', value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const stored = await db
    .selectFrom('secrets')
    .select('value')
    .where('name', '=', 'webhook_hmac_key')
    .executeTakeFirstOrThrow();
  return stored.value;
}
