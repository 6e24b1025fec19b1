import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@herald/db';
import { setSenderPolicy, waitFor } from '@herald/testing';
import { type Kysely, sql } from 'kysely';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { createWorld } from '../world.ts';

const SENDERS = 1000;
const DISPATCHERS = 2;
const WINDOW_S = 20;

/** Transactions and rows read per second in this database over `seconds`, from pg_stat_database. */
async function databaseLoad(db: Kysely<Database>, seconds: number) {
  const read = async () =>
    (
      await sql<{ xacts: string; rows: string }>`
        SELECT (xact_commit + xact_rollback)::text AS xacts, (tup_returned + tup_fetched)::text AS rows
        FROM pg_stat_database WHERE datname = current_database()`.execute(db)
    ).rows[0] ?? { xacts: '0', rows: '0' };
  // Statistics reach pg_stat_database about once a second per backend: read, wait, read again.
  await sql`SELECT pg_stat_clear_snapshot()`.execute(db);
  const before = await read();
  await sleep(seconds * 1000);
  await sql`SELECT pg_stat_clear_snapshot()`.execute(db);
  const after = await read();
  return {
    xactsPerSecond: (Number(after.xacts) - Number(before.xacts)) / seconds,
    rowsPerSecond: (Number(after.rows) - Number(before.rows)) / seconds,
  };
}

/** SENDERS connected senders with a pending campaign of two messages and one send this hour. */
async function seedHeldSenders(db: Kysely<Database>, workerId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`
      CREATE TEMP TABLE bench_senders ON COMMIT DROP AS
      SELECT (21630000000 + i)::text AS phone FROM generate_series(0, ${SENDERS - 1}) i`.execute(
      trx,
    );
    await sql`INSERT INTO senders (phone_number, next_send_at)
      SELECT phone, now() - interval '1 minute' FROM bench_senders`.execute(trx);
    await sql`INSERT INTO sessions (phone_number, worker_id, waha_session, status, waha_status, me_id, connected_at)
      SELECT phone, ${workerId}, phone, 'CONNECTED', 'WORKING', phone || '@c.us', now() FROM bench_senders`.execute(
      trx,
    );
    await sql`INSERT INTO campaigns (sender_number, template, total_messages, pending_messages)
      SELECT phone, 'held', 2, 2 FROM bench_senders`.execute(trx);
    await sql`INSERT INTO messages (campaign_id, sender_number, recipient, body)
      SELECT c.id, c.sender_number, r, 'held'
      FROM campaigns c, unnest(ARRAY['21698000001', '21698000002']) r`.execute(trx);
    await sql`INSERT INTO sender_sends (sender_number, message_id)
      SELECT phone, 0 FROM bench_senders`.execute(trx);
  });
}

/**
 * What 1,000 senders held by their hourly cap cost the database: each one's next turn is queued in
 * pg-boss for when the cap lets go, so nothing polls it meanwhile. Compared with the same
 * dispatchers idle (no senders at all), over the same window.
 */
export const waitingSendersScenario: Scenario = {
  name: 'waiting-senders',
  title: 'database load while 1,000 senders wait on their caps',
  timeoutMs: 300_000,
  async run(cleanup, log) {
    const world = await createWorld(cleanup, { messageDelay: 0, senderSwitchDelay: 0 });
    const { worker } = await world.emulatedWorker('PLUS');
    // No probing: the emulator does not know the seeded sessions, and reconciling them away would
    // turn waiting senders into paused ones.
    for (let i = 0; i < DISPATCHERS; i += 1) {
      await world.dispatcher(`waiting-${i + 1}`, { PROBE_INTERVAL_SECONDS: '0' });
    }
    const idle = await databaseLoad(world.db, WINDOW_S);
    log(`idle: ${idle.xactsPerSecond.toFixed(1)} transactions/s`);

    // Every sender already sent once this hour; with hourly_cap 1 its next send waits ~1 h.
    // Written in bulk, as overdue: the dispatchers' recovery sweep queues their turns.
    await setSenderPolicy(world.db, { hourly_cap: 1 });
    await seedHeldSenders(world.db, worker.id);
    await waitFor(
      async () => {
        const held = await world.db
          .selectFrom('senders')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('held_reason', '=', 'HOURLY_CAP')
          .where('lease_owner', 'is', null)
          .executeTakeFirstOrThrow();
        return Number(held.n) === SENDERS;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `${SENDERS} senders held by their cap` },
    );
    const waiting = await databaseLoad(world.db, WINDOW_S);
    log(`${SENDERS} waiting: ${waiting.xactsPerSecond.toFixed(1)} transactions/s`);
    const sent = await world.db
      .selectFrom('sender_sends')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const problems =
      Number(sent.n) === SENDERS ? [] : [`${Number(sent.n) - SENDERS} send(s) went past the cap`];
    const row = (label: string, load: typeof idle) => [
      label,
      load.xactsPerSecond.toFixed(1),
      load.rowsPerSecond.toFixed(0),
    ];
    const extra = waiting.xactsPerSecond - idle.xactsPerSecond;
    return {
      markdown: [
        `${DISPATCHERS} dispatcher child processes (default settings, worker probing off), one worker. First`,
        `${WINDOW_S} s with no sender at all, then ${SENDERS} CONNECTED senders, each with a pending`,
        'campaign (written in bulk as overdue, so the recovery sweep queues their turns), a global',
        'policy of `hourly_cap: 1` and one send already this hour: each sender is claimed once, held',
        `(HOURLY_CAP), and its next turn queued in pg-boss for \`resumes_at\`. Then`,
        `${WINDOW_S} s more. Load from \`pg_stat_database\` (transactions and rows read in this`,
        "database per second, dispatchers' pg-boss polling, sweeps and probes included).",
        '',
        table(
          ['state', 'transactions/s', 'rows read/s'],
          [
            row('dispatchers idle, no senders', idle),
            row(`${SENDERS} senders waiting on caps`, waiting),
          ],
        ),
      ].join('\n'),
      reading: `${SENDERS} waiting senders add ${extra.toFixed(1)} transactions/s in all (${(extra / SENDERS).toFixed(3)} per sender per second): a held sender is not polled; its turn waits in pg-boss until \`resumes_at\`.`,
      summary: [
        `idle ${idle.xactsPerSecond.toFixed(1)} tx/s, ${SENDERS} waiting ${waiting.xactsPerSecond.toFixed(1)} tx/s`,
      ],
      problems,
    };
  },
};
