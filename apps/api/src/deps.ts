import type { Database } from '@herald/db';
import type { Logger } from '@herald/logging';
import type { GuardedAgent, HostPolicy } from '@herald/safe-http';
import type { WahaClientCache } from '@herald/waha';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { ApiConfig } from './config.ts';
import type { RouteRegistrar } from './http/route.ts';
import type { CampaignFeedHub } from './services/campaign-feed.ts';

/** What the routes and services of one gateway share. */
export interface AppDeps {
  config: ApiConfig;
  db: Kysely<Database>;
  /** Started pg-boss, used only to enqueue. */
  boss: PgBoss;
  logger: Logger;
  waha: WahaClientCache;
  /** SHA-256 hex of the admin key in force. */
  adminKeyHash: string;
  /** The key WAHA signs webhooks with; sessions Herald creates carry it. */
  webhookHmacKey: string;
  /** How WAHA workers reach this gateway: PUBLIC_URL, else the address it listens on. */
  publicUrl: string;
  /** Live campaign feeds (one LISTEN connection, opened by the first stream). */
  campaignFeed: CampaignFeedHub;
  /** Every request to a URL a user gave goes through this agent, which checks each address. */
  userUrls: { agent: GuardedAgent; policy: HostPolicy };
  /** Injected clock, so expiry logic is testable. */
  now: () => Date;
  startedAt: Date;
}

/** A routes file: registers its endpoints on the registrar. */
export type RouteModule = (r: RouteRegistrar, deps: AppDeps) => void;
