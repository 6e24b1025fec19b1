import {
  type Campaign,
  type CampaignEvent,
  type CampaignNotifications,
  cursorBefore,
  type Database,
  type EventCursor,
  listenForCampaignEvents,
  readCampaignEvents,
  readFeedSnapshot,
} from '@herald/db';
import { isTerminalCampaignStatus } from '@herald/domain';
import type { Logger } from '@herald/logging';
import type { Kysely } from 'kysely';

/** What one stream receives. Events arrive in feed order, each once. */
export interface FeedListener {
  cursor: EventCursor;
  onEvent(event: CampaignEvent): void;
  onProgress(campaign: Campaign): void;
  /** The campaign is terminal and every event up to that point was given; nothing follows. */
  onEnd(campaign: Campaign): void;
  /** The gateway is stopping: close the stream (the client reconnects to another one). */
  onShutdown(): void;
}

export interface CampaignFeedHub {
  /** Follows a campaign from `listener.cursor`; call the returned function to stop. */
  subscribe(campaignId: number, listener: FeedListener): () => void;
  close(): Promise<void>;
}

export interface FeedOptions {
  /** Least time between two reads of one campaign: bursts of changes are coalesced (ms). */
  minIntervalMs?: number;
  /** Events read per query. */
  pageSize?: number;
}

/**
 * Live campaign feeds for one gateway process. Nothing is read while nobody listens: the shared
 * LISTEN connection opens with the first stream, and a campaign is read only when a notification
 * (or a new stream) wakes it, at most once per `minIntervalMs`, with one read for all its streams.
 */
export function createCampaignFeedHub(
  db: Kysely<Database>,
  connectionString: string,
  logger: Logger,
  options: FeedOptions = {},
): CampaignFeedHub {
  const minIntervalMs = options.minIntervalMs ?? 250;
  const pageSize = options.pageSize ?? 1000;
  const feeds = new Map<number, CampaignFeed>();
  let notifications: CampaignNotifications | null = null;

  const listen = () => {
    notifications ??= listenForCampaignEvents({
      connectionString,
      applicationName: 'herald-api-listen',
      onCampaign: (id) => feeds.get(id)?.wake(),
      // Whatever happened while the connection was down is caught up from the table.
      onConnected: () => {
        for (const feed of feeds.values()) feed.wake();
      },
      onError: (error) => logger.warn('campaign feed connection lost', { error: error.message }),
    });
  };

  return {
    subscribe(campaignId, listener) {
      listen();
      let feed = feeds.get(campaignId);
      if (!feed) {
        feed = new CampaignFeed(campaignId, db, logger, { minIntervalMs, pageSize });
        feeds.set(campaignId, feed);
      }
      const joined = feed;
      joined.add(listener);
      return () => {
        if (joined.remove(listener) === 0 && feeds.get(campaignId) === joined) {
          feeds.delete(campaignId);
        }
      };
    },
    async close() {
      for (const feed of [...feeds.values()]) feed.shutdown();
      feeds.clear();
      await notifications?.close();
      notifications = null;
    },
  };
}

/** One campaign's streams and the one read loop they share. */
class CampaignFeed {
  private readonly listeners = new Set<FeedListener>();
  private readonly lastProgress = new WeakMap<FeedListener, string>();
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRunAt = 0;
  /** Set once the campaign was seen terminal: the end of the snapshot that saw it. */
  private terminalAt: string | null = null;

  private readonly campaignId: number;
  private readonly db: Kysely<Database>;
  private readonly logger: Logger;
  private readonly options: Required<FeedOptions>;

  constructor(
    campaignId: number,
    db: Kysely<Database>,
    logger: Logger,
    options: Required<FeedOptions>,
  ) {
    this.campaignId = campaignId;
    this.db = db;
    this.logger = logger;
    this.options = options;
  }

  add(listener: FeedListener): void {
    this.listeners.add(listener);
    this.wake();
  }

  remove(listener: FeedListener): number {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.stop();
    return this.listeners.size;
  }

  shutdown(): void {
    const listeners = [...this.listeners];
    this.stop();
    for (const listener of listeners) listener.onShutdown();
  }

  stop(): void {
    this.listeners.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Asks for a read soon: at once if the last one is old enough, else after the interval. */
  wake(): void {
    if (this.listeners.size === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastRunAt + this.options.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, wait);
  }

  private async run(): Promise<void> {
    this.running = true;
    this.again = false;
    this.lastRunAt = Date.now();
    try {
      await this.read();
    } catch (error) {
      this.logger.warn('campaign feed read failed', {
        campaign_id: this.campaignId,
        error: String(error),
      });
      this.again = true;
    } finally {
      this.running = false;
    }
    if (this.again) this.wake();
  }

  private async read(): Promise<void> {
    const snapshot = await readFeedSnapshot(this.db, this.campaignId);
    const { campaign } = snapshot;
    if (!campaign) return;
    if (this.terminalAt === null && isTerminalCampaignStatus(campaign.status)) {
      this.terminalAt = snapshot.snapshotEnd;
    }
    await this.deliverEvents(snapshot.horizon);
    for (const listener of this.listeners) {
      const progress = JSON.stringify(campaign);
      if (this.lastProgress.get(listener) === progress) continue;
      this.lastProgress.set(listener, progress);
      listener.onProgress(campaign);
    }
    // Terminal, and every transaction up to the one that made it so is below the horizon: all
    // its events were delivered above.
    if (this.terminalAt !== null && BigInt(snapshot.horizon) >= BigInt(this.terminalAt)) {
      for (const listener of [...this.listeners]) listener.onEnd(campaign);
      this.stop();
      return;
    }
    // Committed events still above the horizon (an older transaction is open) bring no new
    // notification: look again after the interval.
    if (snapshot.eventsAboveHorizon || this.terminalAt !== null) this.again = true;
  }

  /** One query per page for all streams, from the furthest-behind one; each takes what is new. */
  private async deliverEvents(horizon: string): Promise<void> {
    for (;;) {
      let from: EventCursor | null = null;
      for (const l of this.listeners) if (!from || cursorBefore(l.cursor, from)) from = l.cursor;
      if (!from) return;
      const events = await readCampaignEvents(
        this.db,
        this.campaignId,
        from,
        horizon,
        this.options.pageSize,
      );
      for (const event of events) {
        for (const listener of this.listeners) {
          if (!cursorBefore(listener.cursor, event.cursor)) continue;
          listener.cursor = event.cursor;
          listener.onEvent(event);
        }
      }
      if (events.length < this.options.pageSize) return;
    }
  }
}
