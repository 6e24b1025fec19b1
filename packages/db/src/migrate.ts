import type { Kysely } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import * as initial from './migrations/0001_initial.ts';
import * as campaignControls from './migrations/0002_campaign_controls.ts';
import * as clientContract from './migrations/0003_client_contract.ts';
import * as mediaAndWebhookEvents from './migrations/0004_media_and_webhook_events.ts';
import * as senderSecurity from './migrations/0005_sender_security.ts';
import * as senderSafety from './migrations/0006_sender_safety.ts';
import * as outcomesByMinute from './migrations/0007_outcomes_by_minute.ts';
import * as messageRetryAt from './migrations/0008_message_retry_at.ts';
import * as unknownResolution from './migrations/0009_unknown_resolution.ts';
import * as campaignCounts from './migrations/0010_campaign_counts.ts';
import * as workerBreaker from './migrations/0011_worker_breaker.ts';
import * as dispatchers from './migrations/0012_dispatchers.ts';
import * as readsAtScale from './migrations/0013_reads_at_scale.ts';
import * as messageEventsPerStatement from './migrations/0014_message_events_per_statement.ts';
import * as hotClaims from './migrations/0015_hot_claims.ts';
import * as messageEventsHashJoin from './migrations/0016_message_events_hash_join.ts';

// Listed explicitly rather than read from disk, so migrations work the same under tsx, in a
// bundle, and in tests, and their order is reviewed in one place.
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_campaign_controls': campaignControls,
  '0003_client_contract': clientContract,
  '0004_media_and_webhook_events': mediaAndWebhookEvents,
  '0005_sender_security': senderSecurity,
  '0006_sender_safety': senderSafety,
  '0007_outcomes_by_minute': outcomesByMinute,
  '0008_message_retry_at': messageRetryAt,
  '0009_unknown_resolution': unknownResolution,
  '0010_campaign_counts': campaignCounts,
  '0011_worker_breaker': workerBreaker,
  '0012_dispatchers': dispatchers,
  '0013_reads_at_scale': readsAtScale,
  '0014_message_events_per_statement': messageEventsPerStatement,
  '0015_hot_claims': hotClaims,
  '0016_message_events_hash_join': messageEventsHashJoin,
};

/** The migrations this build applies, in order (readiness checks they all are). */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Every migration in the order it runs (for tests that apply them by hand). */
export const migrationsInOrder = (): Migration[] =>
  MIGRATION_NAMES.map((name) => MIGRATIONS[name] as Migration);

/** Applies every pending migration; kysely's Migrator takes a lock, so concurrent starts are safe. */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  // Migrations are written against no schema at all, so the Migrator takes the db untyped.
  const migrator = new Migrator({ db: db as Kysely<unknown>, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
