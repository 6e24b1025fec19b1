import type { Database } from '@herald/db';
import { makeCampaign, startNodeProcess, waitFor } from '@herald/testing';
import { type Kysely, sql } from 'kysely';
import { type ProcMemory, readProcMemory } from './proc.ts';

/**
 * The floor an ingest is compared with, in the same run: the same rows (normalised recipients,
 * rendered texts) written by one `INSERT … SELECT FROM unnest(…)` in its own transaction, from
 * this process, into a campaign kept for the purpose. Returns milliseconds, commit included.
 */
export async function rawUnnestInsert(
  db: Kysely<Database>,
  campaignId: number,
  sender: string,
  recipients: readonly string[],
  bodies: readonly string[],
): Promise<number> {
  const started = performance.now();
  await db.transaction().execute(async (trx) => {
    await sql`
      INSERT INTO messages (campaign_id, sender_number, recipient, body)
      SELECT ${campaignId}::bigint, ${sender}::text, t.recipient, t.body
      FROM unnest(${recipients}::text[], ${bodies}::text[]) AS t(recipient, body)`.execute(trx);
  });
  return performance.now() - started;
}

/** A campaign with one message, whose id the raw inserts use. */
export async function baselineCampaign(db: Kysely<Database>, sender: string): Promise<number> {
  const { id } = await makeCampaign(db, { sender, recipients: ['21698999999'], body: 'baseline' });
  return id;
}

/** The resident memory of a Node process that does nothing, the floor for any service's. */
export async function emptyNodeMemory(): Promise<ProcMemory> {
  const child = startNodeProcess(['-e', 'setInterval(() => {}, 1000); console.log("ready")'], {
    NODE_OPTIONS: '',
  });
  try {
    await waitFor(() => child.output().includes('ready'), { what: 'an empty Node process' });
    return await readProcMemory(child.child.pid as number);
  } finally {
    await child.kill();
  }
}
