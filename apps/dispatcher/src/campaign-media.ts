import { type Database, findCampaignMedia } from '@herald/db';
import type { Kysely } from 'kysely';
import type { OutgoingMedia } from './send-message.ts';

/** A campaign's media as sends take it, read from Postgres once per campaign and process. */
export interface CampaignMediaCache {
  /** null when the campaign has no stored media. */
  get(campaignId: number): Promise<OutgoingMedia | null>;
}

/**
 * Media never changes once its campaign is committed, so it is cached by campaign id. A few
 * entries are enough (one dispatcher serves a few senders at a time), and they bound the memory:
 * the base64 of a 16 MB file is 21 MB.
 */
export function createCampaignMediaCache(db: Kysely<Database>, maxEntries = 3): CampaignMediaCache {
  const entries = new Map<number, Promise<OutgoingMedia | null>>();
  return {
    get(campaignId) {
      const cached = entries.get(campaignId);
      if (cached) {
        // Most recently used last, so the oldest is evicted first.
        entries.delete(campaignId);
        entries.set(campaignId, cached);
        return cached;
      }
      const loading = findCampaignMedia(db, campaignId).then((row) =>
        row
          ? { mimetype: row.mimetype, filename: row.filename, base64: row.data.toString('base64') }
          : null,
      );
      // A failed read is not cached: the retry reads again.
      loading.catch(() => entries.delete(campaignId));
      entries.set(campaignId, loading);
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value as number;
        entries.delete(oldest);
      }
      return loading;
    },
  };
}
