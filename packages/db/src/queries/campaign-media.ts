import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.ts';

export interface CampaignMedia {
  mimetype: string;
  filename: string;
  data: Buffer;
}

/** Stores a campaign's media in the transaction that creates the campaign. */
export async function insertCampaignMedia(
  trx: Transaction<Database>,
  campaignId: number,
  media: CampaignMedia,
): Promise<void> {
  await trx
    .insertInto('campaign_media')
    .values({
      campaign_id: campaignId,
      mimetype: media.mimetype,
      filename: media.filename,
      size_bytes: media.data.length,
      data: media.data,
    })
    .execute();
}

/** A campaign's stored media, or null when it has none (text only, or queued before media was stored). */
export async function findCampaignMedia(
  db: Kysely<Database>,
  campaignId: number,
): Promise<CampaignMedia | null> {
  const row = await db
    .selectFrom('campaign_media')
    .select(['mimetype', 'filename', 'data'])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  return row ?? null;
}
