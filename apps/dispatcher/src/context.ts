import type {
  ClaimResult,
  Database,
  LeaseInput,
  LeaseTake,
  RecordOutcomeResult,
  SentRecord,
  SentThenClaim,
} from '@herald/db';
import type { Logger } from '@herald/logging';
import type { HeraldMetrics } from '@herald/metrics';
import type { WahaClientCache } from '@herald/waha';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Batcher } from './batcher.ts';
import type { CampaignMediaCache } from './campaign-media.ts';
import type { DatabaseClock } from './claim-clock.ts';
import type { DispatcherConfig } from './config.ts';
import type { Fleet } from './fleet.ts';
import type { OutcomePolicy } from './outcome.ts';
import type { SendTimeouts } from './send-timeouts.ts';

/** A turn's end: its lease to give back, and when its sender's next turn may start (null: none). */
export interface HandBack {
  lease: LeaseInput;
  next: { startAfter?: Date } | null;
}

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
  /** What this process knows of the database's clock, from claims and readings of their own. */
  clock: DatabaseClock;
  /** Claims of this dispatcher's turns, batched into shared transactions (`claimMessages`). */
  claims: Batcher<LeaseInput, { claim: ClaimResult; started: number }>;
  /** Starting turns taking their senders' leases, in shared transactions. */
  leaseTakes: Batcher<LeaseInput, LeaseTake>;
  /** Ended turns handing their senders back, with their next turns, in shared transactions. */
  handBacks: Batcher<HandBack, void>;
  /** SENT answers of senders without a health rule, recorded together (`recordSentMany`). */
  sent: Batcher<SentRecord, RecordOutcomeResult>;
  /** The same, each with its turn's next claim, at zero delay (`recordSentThenClaim`). */
  sentThenClaim: Batcher<
    SentThenClaim,
    { recorded: RecordOutcomeResult; next: { claim: ClaimResult; started: number } }
  >;
}
