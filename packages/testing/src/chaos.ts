import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@herald/db';
import { makeCampaign, makeConnectedSender, makeWorker } from '@herald/db/testing';
import { type Kysely, sql } from 'kysely';
import { recipients } from './campaigns.ts';
import {
  type EmulatorProcess,
  emulatorControl,
  pairEmulatorSession,
  startEmulatorProcess,
} from './emulator-process.ts';
import { freePort, type RunningProcess, startDispatcherProcess } from './process.ts';
import { waitFor } from './wait-for.ts';

// A hostile run with real processes: dispatchers killed with -9 every few seconds, Herald's
// Postgres connections terminated, the WAHA worker killed and started again with its data folder;
// then the ledger is held against what the worker recorded.

export interface ChaosOptions {
  db: Kysely<Database>;
  databaseUrl: string;
  /** Asks for a sender's turn (the caller's pg-boss). */
  enqueueTurn(sender: string): Promise<unknown>;
  senders: number;
  messagesPerSender: number;
  dispatchers: number;
  chaosMs: number;
  /**
   * The chaos goes on past `chaosMs` until this many dispatchers were killed (at most three times
   * as long): on a loaded machine replacements start slowly and kills wait for them.
   */
  minKills?: number;
  /** A dispatcher is killed -9 this often (and replaced). */
  killEveryMs: number;
  /** Every this many kills, Herald's Postgres backends are terminated too. */
  terminateEvery: number;
  /** How long the ledger may take to settle after the chaos. */
  settleMs: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  messages: number;
  dispatcherKills: number;
  backendsTerminated: number;
  workerRestarts: number;
  /** Resolved by WAHA's record (events `resolved_from_unknown`). */
  resolutions: number;
  /** Messages still to send when the chaos ended (so the chaos hit a campaign under way). */
  openAtChaosEnd: number;
  /** Messages not yet settled when the `minKills`-th dispatcher (or the first) was killed. */
  openAtMinKills: number;
  settleMs: number;
  /** Failed checks; empty when the run was exact. */
  problems: string[];
}

/** Settings of a fast fleet: short lease, sweeps and lookups, so recovery takes seconds. */
export const CHAOS_DISPATCHER_ENV: Record<string, string> = {
  POLL_INTERVAL_MS: '100',
  LEASE_SECONDS: '5',
  SWEEP_SECONDS: '1',
  SEND_TIMEOUT_MS: '3000',
  // The emulator answers a send to a session that is not WORKING at once, not after WAHA's ~15 s.
  WAHA_STATUS_WAIT_MS: '300',
  TURN_SECONDS: '5',
  PROBE_INTERVAL_SECONDS: '1',
  RETRY_BACKOFF_SECONDS: '0.2',
  RETRY_BACKOFF_MAX_SECONDS: '1',
  MAX_ATTEMPTS: '100',
  UNKNOWN_SETTLE_SECONDS: '2',
  UNKNOWN_HOLD_SECONDS: '4',
  UNKNOWN_RESOLVE_INTERVAL_SECONDS: '1',
  // A worker killed mid-call resets its calls: if that trips its breaker, it is back in seconds.
  WORKER_BREAKER_COOLDOWN_SECONDS: '2',
};

const STORE = { noweb: { store: { enabled: true, fullSync: false } } };

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => undefined);
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-chaos-'));
  const port = await freePort();
  const apiKey = `chaos-key-${port}`;
  const fleet = new Set<RunningProcess>();
  let emulator: EmulatorProcess | undefined;
  let generation = 0;
  const startDispatcher = async () => {
    const child = await startDispatcherProcess(
      options.databaseUrl,
      `chaos-${++generation}`,
      CHAOS_DISPATCHER_ENV,
    );
    fleet.add(child);
    child.child.once('exit', () => fleet.delete(child));
  };
  /** A replacement that died starting (its connection terminated, say) is started again. */
  const replaceDispatcher = async (until: number) => {
    while (Date.now() < until) {
      try {
        return await startDispatcher();
      } catch (error) {
        log(`replacement failed, starting another: ${String(error).split('\n')[0]}`);
      }
    }
  };
  try {
    emulator = await startEmulatorProcess({ port, apiKey, dataDir });
    const worker = await makeWorker(options.db, {
      url: emulator.url,
      api_key: apiKey,
      tier: 'PLUS',
    });
    const senders = Array.from({ length: options.senders }, (_, i) => String(21629000000 + i));
    for (const [i, sender] of senders.entries()) {
      // On a Plus worker the session is named by the number.
      await makeConnectedSender(options.db, sender, { worker });
      await pairEmulatorSession(emulator, sender, STORE);
      const to = recipients(21679000000 + i * 10_000, options.messagesPerSender);
      await makeCampaign(options.db, { sender, recipients: to, body: (r) => `Chaos ${r}` });
    }
    await Promise.all(Array.from({ length: options.dispatchers }, startDispatcher));
    for (const sender of senders) await options.enqueueTurn(sender);
    await emulatorControl(emulator.url, '/_emulator/faults', { latencyMs: 20 });

    const result: ChaosResult = {
      messages: senders.length * options.messagesPerSender,
      dispatcherKills: 0,
      backendsTerminated: 0,
      workerRestarts: 0,
      resolutions: 0,
      openAtChaosEnd: 0,
      openAtMinKills: 0,
      settleMs: 0,
      problems: [],
    };
    const chaosStarted = Date.now();
    let chaosEnds = chaosStarted + options.chaosMs;
    const replacements: Promise<void>[] = [];
    let workerRestarted: Promise<void> | undefined;
    const restartWorker = async () => {
      await emulator?.process.kill();
      await sleep(1000);
      emulator = await startEmulatorProcess({ port, apiKey, dataDir });
      await emulatorControl(emulator.url, '/_emulator/faults', { latencyMs: 20 });
    };
    while (Date.now() < chaosEnds) {
      await sleep(options.killEveryMs);
      const victims = [...fleet];
      const victim = victims[Math.floor(Math.random() * victims.length)];
      // A fleet still short of its replacements (slow starts on a loaded machine) is left be,
      // so the kills never take it down to nothing.
      if (victim && victims.length >= options.dispatchers - 1) {
        await victim.kill();
        result.dispatcherKills += 1;
        if (result.dispatcherKills === (options.minKills ?? 1)) {
          result.openAtMinKills = await openMessages(options.db);
        }
        replacements.push(replaceDispatcher(chaosEnds + options.settleMs));
      }
      if (result.dispatcherKills % options.terminateEvery === 0) {
        result.backendsTerminated += await terminateHeraldBackends(options.db);
      }
      if (!workerRestarted && Date.now() > chaosEnds - options.chaosMs / 2) {
        // In the background, so the dispatcher kills go on meanwhile.
        workerRestarted = restartWorker().then(() => {
          result.workerRestarts += 1;
        });
      }
      log(`chaos: ${result.dispatcherKills} kills, ${fleet.size} dispatchers up`);
      const short = result.dispatcherKills < (options.minKills ?? 0);
      if (short && Date.now() >= chaosEnds) {
        chaosEnds = Math.min(Date.now() + options.killEveryMs, chaosStarted + 3 * options.chaosMs);
      }
    }
    result.openAtChaosEnd = await openMessages(options.db);
    await workerRestarted;
    await Promise.all(replacements);
    for (let up = fleet.size; up < options.dispatchers; up += 1) {
      await replaceDispatcher(Date.now() + options.settleMs);
    }

    const settleStarted = Date.now();
    await waitFor(() => ledgerSettled(options.db), {
      timeoutMs: options.settleMs,
      intervalMs: 250,
      what: 'nothing PENDING, SENDING or UNKNOWN',
    }).catch((error: unknown) => log(String(error)));
    result.settleMs = Date.now() - settleStarted;
    if (!emulator) throw new Error('the worker did not come back');
    result.problems = await checkLedger(options.db, emulator);
    const resolved = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM campaign_events WHERE note = 'resolved_from_unknown'
    `.execute(options.db);
    result.resolutions = resolved.rows[0]?.n ?? 0;
    return result;
  } finally {
    await Promise.allSettled([...fleet].map((child) => child.kill()));
    await emulator?.process.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Every connection of Herald's processes to this database (not the test's own) is ended. */
async function terminateHeraldBackends(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND application_name LIKE 'herald%' AND application_name <> 'herald-test'
  `.execute(db);
  return rows[0]?.n ?? 0;
}

async function openMessages(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ open: number }>`
    SELECT count(*)::int AS open FROM messages WHERE status IN ('PENDING', 'SENDING', 'UNKNOWN')
  `.execute(db);
  return rows[0]?.open ?? 0;
}

async function ledgerSettled(db: Kysely<Database>): Promise<boolean> {
  return (await openMessages(db)) === 0;
}

interface Accepted {
  id: string;
  session: string;
  chatId: string;
}

/** The ledger against the worker's record; one line per failed check. */
async function checkLedger(db: Kysely<Database>, emulator: EmulatorProcess): Promise<string[]> {
  const problems: string[] = [];
  const accepted = await emulatorControl<Accepted[]>(emulator.url, '/_emulator/messages');
  const perChat = new Map<string, number>();
  for (const m of accepted)
    perChat.set(`${m.session}/${m.chatId}`, (perChat.get(`${m.session}/${m.chatId}`) ?? 0) + 1);
  const twice = [...perChat.values()].filter((n) => n > 1).length;
  if (twice > 0) problems.push(`${twice} recipient(s) received a message more than once`);
  const ids = new Set(accepted.map((m) => m.id));
  const rows = await db
    .selectFrom('messages')
    .select(['id', 'status', 'recipient', 'sender_number', 'waha_message_id'])
    .execute();
  const byStatus = (status: string) => rows.filter((r) => r.status === status);
  const sentIds = byStatus('SENT').map((r) => r.waha_message_id);
  const unmatched = sentIds.filter((id) => !id || !ids.has(id)).length;
  if (unmatched > 0) problems.push(`${unmatched} SENT row(s) match no record of the worker`);
  if (new Set(sentIds).size !== sentIds.length) problems.push('two SENT rows share one record');
  const recorded = new Set(accepted.map((m) => `${m.session}/${m.chatId.split('@')[0]}`));
  const unknownButRecorded = byStatus('UNKNOWN').filter((r) =>
    recorded.has(`${r.sender_number}/${r.recipient}`),
  ).length;
  if (unknownButRecorded > 0) {
    problems.push(`${unknownButRecorded} UNKNOWN row(s) although the worker holds their record`);
  }
  const unknown = byStatus('UNKNOWN').length;
  if (unknown > 0) problems.push(`${unknown} message(s) left UNKNOWN`);
  const open = byStatus('PENDING').length + byStatus('SENDING').length;
  if (open > 0) problems.push(`${open} message(s) left PENDING or SENDING`);
  const lost = rows.length - accepted.length;
  if (lost !== 0)
    problems.push(`${rows.length} messages but ${accepted.length} records at the worker`);
  const { rows: drift } = await sql<{ id: number }>`
    SELECT c.id FROM campaigns c
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE status = 'PENDING') AS pending,
             count(*) FILTER (WHERE status = 'SENDING') AS sending,
             count(*) FILTER (WHERE status = 'SENT') AS sent,
             count(*) FILTER (WHERE status = 'FAILED') AS failed,
             count(*) FILTER (WHERE status = 'UNKNOWN') AS unknown,
             count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled,
             count(*) FILTER (WHERE status = 'SUPPRESSED') AS suppressed
      FROM messages m WHERE m.campaign_id = c.id) r
    WHERE ROW(c.pending_messages, c.sending_messages, c.sent_messages, c.failed_messages,
              c.unknown_messages, c.cancelled_messages, c.suppressed_messages)
      IS DISTINCT FROM ROW(r.pending::int, r.sending::int, r.sent::int, r.failed::int,
                           r.unknown::int, r.cancelled::int, r.suppressed::int)
  `.execute(db);
  if (drift.length > 0) problems.push(`counters differ from rows in ${drift.length} campaign(s)`);
  return problems;
}
