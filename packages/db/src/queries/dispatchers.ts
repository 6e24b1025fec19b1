import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import { campaignClaimable } from './claimable.ts';
import { leaseUntil } from './leases.ts';

// Live dispatchers and their heartbeat: one statement renews every lease the dispatcher's running
// turns hold while it is alive, whatever their WAHA calls are doing.

export interface HeartbeatInput {
  dispatcherId: string;
  leaseSeconds: number;
  /**
   * The lease tokens of the turns running now. A turn that ended without handing its sender back
   * (its heartbeat failed) is not among them: its lease lapses and the sweep takes the sender.
   */
  owners: readonly string[];
}

export interface FleetFacts {
  /** Dispatchers whose heartbeat stands, this one included. */
  liveDispatchers: number;
  /** Senders with work: claimable messages, or a lease a live turn holds. */
  activeSenders: number;
}

export interface HeartbeatResult extends FleetFacts {
  /** The senders whose lease this heartbeat renewed (the ones this dispatcher still held). */
  renewed: string[];
}

const liveDispatchers = (dispatcherId: string) => sql<number>`(
  SELECT count(*)::int + 1 FROM dispatchers WHERE expires_at > now() AND id <> ${dispatcherId})`;

const activeSenders = sql<number>`(SELECT count(*)::int FROM (
  SELECT c.sender_number FROM campaigns c WHERE ${campaignClaimable}
  UNION
  SELECT phone_number FROM senders WHERE lease_owner IS NOT NULL AND lease_expires_at > now()
) active)`;

/**
 * One statement: refreshes this dispatcher's row, renews every sender lease it holds (only those
 * still standing: a lapsed one may already be another's; those locked right now are skipped, and
 * left out of `renewed`) with the workers' in-flight markers of those senders, deletes the rows of dispatchers dead for a lease, and counts the fleet.
 * The senders are locked in one order, so heartbeats, claims and sweeps cannot deadlock.
 */
export async function beatHeartbeat(
  db: Kysely<Database>,
  input: HeartbeatInput,
): Promise<HeartbeatResult> {
  const until = leaseUntil(input.leaseSeconds);
  const { rows } = await sql<{
    renewed: string[];
    live_dispatchers: number;
    active_senders: number;
  }>`
    WITH me AS (
      INSERT INTO dispatchers (id, expires_at) VALUES (${input.dispatcherId}, ${until})
      ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), expires_at = EXCLUDED.expires_at
    ), held AS (
      -- A sender locked now is being claimed, which renews its lease, or recorded: never wait
      -- for it (it is renewed at the next beat), so no claim or outcome waits for a heartbeat
      -- either. The lock leaves key-share locks alone (a campaign being inserted for it).
      SELECT phone_number FROM senders
      WHERE lease_owner = ANY(${[...input.owners]}::text[]) AND lease_expires_at > now()
      ORDER BY phone_number
      FOR NO KEY UPDATE SKIP LOCKED
    ), renewed AS (
      UPDATE senders s SET lease_expires_at = ${until}
      FROM held WHERE s.phone_number = held.phone_number
      RETURNING s.phone_number
    ), in_flight AS (
      UPDATE workers SET inflight_until = ${until}
      WHERE inflight_sender_number IN (SELECT phone_number FROM renewed)
    ), dead AS (
      DELETE FROM dispatchers WHERE id IN (
        SELECT id FROM dispatchers WHERE expires_at < now() AND id <> ${input.dispatcherId}
        ORDER BY id FOR UPDATE SKIP LOCKED)
    )
    SELECT ARRAY(SELECT phone_number FROM renewed) AS renewed,
      ${liveDispatchers(input.dispatcherId)} AS live_dispatchers,
      ${activeSenders} AS active_senders
  `.execute(db);
  const row = rows[0];
  if (!row) throw new Error('the heartbeat statement returned no row');
  return {
    renewed: row.renewed,
    liveDispatchers: row.live_dispatchers,
    activeSenders: row.active_senders,
  };
}

/** The fleet as it stands now, without a heartbeat (to size a share between two beats). */
export async function readFleetFacts(
  db: Kysely<Database>,
  dispatcherId: string,
): Promise<FleetFacts> {
  const { rows } = await sql<{ live_dispatchers: number; active_senders: number }>`
    SELECT ${liveDispatchers(dispatcherId)} AS live_dispatchers, ${activeSenders} AS active_senders
  `.execute(db);
  const row = rows[0];
  return { liveDispatchers: row?.live_dispatchers ?? 1, activeSenders: row?.active_senders ?? 0 };
}

/** A dispatcher stopping cleanly leaves the fleet at once, so the others' shares grow now. */
export async function removeDispatcher(db: Kysely<Database>, dispatcherId: string): Promise<void> {
  await db.deleteFrom('dispatchers').where('id', '=', dispatcherId).execute();
}
