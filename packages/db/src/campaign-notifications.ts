import pg from 'pg';

/** The channel the change-feed triggers notify, with the campaign id as payload. */
export const CAMPAIGN_EVENTS_CHANNEL = 'herald_campaign_events';

export interface CampaignNotifications {
  close(): Promise<void>;
}

export interface ListenOptions {
  connectionString: string;
  applicationName?: string;
  /** A campaign has new events (a wake-up: the events themselves are read from the table). */
  onCampaign(campaignId: number): void;
  /** The connection was (re)established: notifications may have been missed meanwhile. */
  onConnected(): void;
  onError?(error: Error): void;
  /** Delay before reconnecting after a lost connection (default 1 s). */
  reconnectMs?: number;
}

/**
 * One dedicated LISTEN connection, shared by everything in the process that follows campaigns.
 * It runs no query after LISTEN: notifications arrive on the idle socket. A lost connection is
 * re-opened, and `onConnected` tells the owner to catch up from the table.
 */
export function listenForCampaignEvents(options: ListenOptions): CampaignNotifications {
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({
      connectionString: options.connectionString,
      application_name: options.applicationName ?? 'herald-listen',
    });
    next.on('notification', (message) => {
      const id = Number(message.payload);
      if (Number.isSafeInteger(id)) options.onCampaign(id);
    });
    const lost = (error?: Error) => {
      if (error) options.onError?.(error);
      if (client !== next) return;
      client = null;
      next.end().catch(() => {});
      if (!closed) retry = setTimeout(connect, options.reconnectMs ?? 1000);
    };
    next.on('error', lost);
    next.on('end', () => lost());
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${CAMPAIGN_EVENTS_CHANNEL}`);
      if (closed) await next.end();
      else options.onConnected();
    } catch (error) {
      lost(error as Error);
    }
  };
  void connect();

  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
