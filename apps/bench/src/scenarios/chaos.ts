import { enqueueTurn, runChaos, setDelaySettings } from '@herald/testing';
import { PgBoss } from 'pg-boss';
import { table } from '../report.ts';
import { freshDatabase } from '../resources.ts';
import type { Scenario } from '../scenario.ts';
import { fmtMs } from '../stats.ts';

const SENDERS = 12;
// Enough for the senders to be busy for the whole chaos (600 × 0.2 s = 120 s).
const PER_SENDER = 600;
const DISPATCHERS = 4;
const CHAOS_MS = 120_000;
const KILL_EVERY_MS = 3000;
const TERMINATE_EVERY = 4;
const MESSAGE_DELAY_S = 0.2;

/**
 * The long form of the chaos drill (the short one runs in CI: apps/dispatcher/test/chaos.test.ts):
 * 4 dispatcher processes, one killed -9 every 3 s and replaced, Herald's Postgres connections
 * terminated every fourth kill, the WAHA worker killed -9 and started again with its data folder;
 * then the ledger is held against what the worker recorded.
 */
export const chaosScenario: Scenario = {
  name: 'chaos',
  title: 'kill -9 of dispatchers, Postgres backends and a WAHA worker: the ledger stays exact',
  timeoutMs: 420_000,
  async run(cleanup, log) {
    const database = await freshDatabase(cleanup);
    await setDelaySettings(database.db, { messageDelay: MESSAGE_DELAY_S, senderSwitchDelay: 0 });
    const boss = new PgBoss({ connectionString: database.url, supervise: false, schedule: false });
    boss.on('error', () => undefined);
    await boss.start();
    cleanup.defer('stop pg-boss', () => boss.stop({ graceful: false, close: true }));

    const result = await runChaos({
      db: database.db,
      databaseUrl: database.url,
      enqueueTurn: (sender) => enqueueTurn(boss, sender),
      senders: SENDERS,
      messagesPerSender: PER_SENDER,
      dispatchers: DISPATCHERS,
      chaosMs: CHAOS_MS,
      killEveryMs: KILL_EVERY_MS,
      terminateEvery: TERMINATE_EVERY,
      settleMs: 180_000,
      log,
    });
    const markdown = [
      `${SENDERS} senders on one emulated Plus worker (its own process, NOWEB store on, data folder`,
      `kept), ${PER_SENDER} messages each, MESSAGE_DELAY ${MESSAGE_DELAY_S} s, ${DISPATCHERS} dispatcher`,
      `processes (LEASE_SECONDS 5, UNKNOWN_SETTLE_SECONDS 2, UNKNOWN_HOLD_SECONDS 4). For`,
      `${CHAOS_MS / 1000} s: a random dispatcher gets SIGKILL every ${KILL_EVERY_MS / 1000} s and is`,
      `replaced; every ${TERMINATE_EVERY}th kill, every Postgres backend of Herald's processes is`,
      'terminated (pg_terminate_backend); half-way, the worker gets SIGKILL and is started again with',
      'its data folder. Then the fleet runs until nothing is PENDING, SENDING or UNKNOWN. Checked: no',
      'recipient twice at the worker, every SENT row one record of it, 0 UNKNOWN where it holds the',
      'record, nothing left open, counters equal to rows.',
      '',
      table(
        [
          'messages',
          'dispatcher kills',
          'backends terminated',
          'worker restarts',
          'open at chaos end',
          'resolved from WAHA',
          'settled after',
          'problems',
        ],
        [
          [
            String(result.messages),
            String(result.dispatcherKills),
            String(result.backendsTerminated),
            String(result.workerRestarts),
            String(result.openAtChaosEnd),
            String(result.resolutions),
            fmtMs(result.settleMs),
            result.problems.length === 0 ? 'none' : result.problems.join('; '),
          ],
        ],
      ),
    ].join('\n');
    return {
      markdown,
      reading:
        result.problems.length === 0
          ? `Exact after ${result.dispatcherKills} kills: every UNKNOWN was settled from WAHA's record (${result.resolutions} resolutions).`
          : `Not exact: ${result.problems.join('; ')}.`,
      summary: [
        `${result.messages} messages, ${result.dispatcherKills} kills, ${result.resolutions} resolutions, settled in ${fmtMs(result.settleMs)}`,
      ],
      problems: result.problems,
    };
  },
};
