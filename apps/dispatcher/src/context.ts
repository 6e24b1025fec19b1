import type { Database } from '@herald/db';
import type { Logger } from '@herald/logging';
import type { HeraldMetrics } from '@herald/metrics';
import type { WahaClientCache } from '@herald/waha';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { CampaignMediaCache } from './campaign-media.ts';
import type { DispatcherConfig } from './config.ts';
import type { Fleet } from './fleet.ts';
import type { OutcomePolicy } from './outcome.ts';
import type { SendTimeouts } from './send-timeouts.ts';

/** What a turn, the sweeper and the periodic tasks of one dispatcher share. */
export interface DispatchContext {
  config: Readonly<DispatcherConfig>;
  db: Kysely<Database>;
  boss: PgBoss;
  wahaClients: WahaClientCache;
  /** Each worker's adaptive send timeout, from its recent successful sends. */
  sendTimeouts: SendTimeouts;
  logger: Logger;
  outcomePolicy: OutcomePolicy;
  media: CampaignMediaCache;
  metrics: HeraldMetrics;
  /** Heartbeat, lease renewal and fair share of this dispatcher. */
  fleet: Fleet;
}
