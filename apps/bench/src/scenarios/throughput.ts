import type { Database } from '@herald/db';
import { type Kysely, sql } from 'kysely';
import { numberRange } from '../campaigns.ts';
import type { DispatcherProcess } from '../dispatchers.ts';
import type { Cleanup } from '../lifecycle.ts';
import { backendCpuDelta, machineBusyShare, readBackendCpu, readMachineCpu } from '../proc.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { fmtInt, fmtMiB, fmtSeconds } from '../stats.ts';
import { createWorld, type EmulatedWorker } from '../world.ts';

const WORKERS = 4;
const SENDERS = 40;
const PER_SENDER = 100;
const TOTAL = SENDERS * PER_SENDER;

interface Run {
  dispatchers: number;
  submitSeconds: number;
  wallSeconds: number;
  dispatcherCpu: number;
  dispatcherPeakRss: number[];
  postgresCpu: number | null;
  benchCpu: number;
  machineBusy: number;
  problems: string[];
}

const senderAt = (i: number) => String(21_620_000_200 + i);

async function runWith(cleanup: Cleanup, dispatcherCount: number): Promise<Run> {
  const world = await createWorld(cleanup, { messageDelay: 0, senderSwitchDelay: 0 });
  const workers: EmulatedWorker[] = [];
  for (let w = 0; w < WORKERS; w++) workers.push(await world.emulatedWorker('PLUS'));
  await Promise.all(
    Array.from({ length: SENDERS }, (_, i) =>
      world.connectSender(workers[i % WORKERS] as EmulatedWorker, senderAt(i)),
    ),
  );
  const dispatchers: DispatcherProcess[] = [];
  for (let d = 1; d <= dispatcherCount; d++) dispatchers.push(await world.dispatcher(`tp-${d}`));

  const cpuBefore = await Promise.all(dispatchers.map((d) => d.cpuSeconds()));
  const pgBefore = await readBackendCpu(world.db);
  const machineBefore = await readMachineCpu();
  const benchBefore = process.cpuUsage();
  const started = Date.now();
  for (let i = 0; i < SENDERS; i++) {
    await world.submit(senderAt(i), numberRange(21_690_000_000 + i * 1000, PER_SENDER));
  }
  const submitted = Date.now();
  await world.waitForCampaignsDone(150_000);
  const cpuAfter = await Promise.all(dispatchers.map((d) => d.cpuSeconds()));
  const pgAfter = await readBackendCpu(world.db);
  const machineAfter = await readMachineCpu();
  const bench = process.cpuUsage(benchBefore);
  const peaks = await Promise.all(dispatchers.map(async (d) => (await d.memory()).hwmBytes));

  const { rows } = await sql<{ last: Date }>`
    SELECT max(sent_at) AS last FROM messages`.execute(world.db);
  const last = rows[0]?.last?.getTime() ?? Date.now();
  const postgresCpu = pgAfter.size > 0 ? backendCpuDelta(pgBefore, pgAfter) : null;
  return {
    dispatchers: dispatcherCount,
    submitSeconds: (submitted - started) / 1000,
    wallSeconds: (last - started) / 1000,
    dispatcherCpu: cpuAfter.reduce((sum, c, i) => sum + c - (cpuBefore[i] ?? 0), 0),
    dispatcherPeakRss: peaks,
    postgresCpu,
    benchCpu: (bench.user + bench.system) / 1e6,
    machineBusy: machineBusyShare(machineBefore, machineAfter),
    problems: await checkDelivery(world.db, workers, dispatcherCount),
  };
}

/** Every message SENT exactly once: the ledger and the emulators' logs must agree. */
async function checkDelivery(
  db: Kysely<Database>,
  workers: EmulatedWorker[],
  dispatcherCount: number,
): Promise<string[]> {
  const tag = `${dispatcherCount} dispatcher(s)`;
  const problems: string[] = [];
  const messages = await db
    .selectFrom('messages')
    .select(['status', 'recipient', 'sender_number', 'waha_message_id'])
    .execute();
  const notSent = messages.filter((m) => m.status !== 'SENT');
  if (messages.length !== TOTAL || notSent.length > 0) {
    problems.push(`${tag}: ${messages.length} messages, ${notSent.length} not SENT`);
  }
  const accepted = workers.flatMap((w) => w.emulator.messages());
  const pairs = new Set(accepted.map((m) => `${m.session}/${m.chatId}`));
  if (accepted.length !== TOTAL || pairs.size !== TOTAL) {
    problems.push(
      `${tag}: the emulators accepted ${accepted.length} messages for ${pairs.size} sender/recipient pairs, expected ${TOTAL} each`,
    );
  }
  const acceptedIds = new Set(accepted.map((m) => m.id));
  const unmatched = messages.filter(
    (m) => m.status === 'SENT' && !acceptedIds.has(m.waha_message_id ?? ''),
  );
  if (unmatched.length > 0) {
    problems.push(`${tag}: ${unmatched.length} SENT rows carry an id no emulator issued`);
  }
  const campaigns = await db
    .selectFrom('campaigns')
    .select(['status', 'sent_messages'])
    .where('status', '!=', 'COMPLETED')
    .execute();
  if (campaigns.length > 0) problems.push(`${tag}: ${campaigns.length} campaigns not COMPLETED`);
  return problems;
}

/**
 * Messages per second end to end with no pacing at all, so only Herald's own cost per message
 * shows: one claim, the recipient check, a lease renewal, the send and the outcome, for 40
 * senders at once, with one and then two dispatcher processes.
 */
export const throughputScenario: Scenario = {
  name: 'throughput',
  title: 'messages per second with no delays, one and two dispatchers',
  timeoutMs: 240_000,
  async run(cleanup, log) {
    const runs: Run[] = [];
    for (const count of [1, 2]) {
      const scope = cleanup.scope();
      try {
        const run = await runWith(scope, count);
        runs.push(run);
        log(`${count} dispatcher(s): ${fmtInt(TOTAL / run.wallSeconds)} msg/s`);
      } finally {
        const errors = await scope.run();
        if (errors.length > 0) log(`cleanup: ${errors.join('; ')}`);
      }
    }
    const rate = (r: Run) => TOTAL / r.wallSeconds;
    const cpuMs = (seconds: number | null) =>
      seconds === null
        ? 'n/a'
        : `${fmtSeconds(seconds, 1)} (${((seconds * 1000) / TOTAL).toFixed(2)} ms/msg)`;
    const markdown = [
      `${SENDERS} senders spread over ${WORKERS} emulated WAHA Plus workers (in the bench process), MESSAGE_DELAY 0 and`,
      `SENDER_SWITCH_DELAY 0, one campaign of ${PER_SENDER} per sender through POST /api/send (${fmtInt(TOTAL)} messages),`,
      'dispatcher child processes with default settings (CONCURRENCY 50, CHECK_NUMBERS true: two WAHA calls per',
      'message). Wall time from the first POST to the last `sent_at`; CPU from `/proc/<pid>/stat` over the same',
      "span (Postgres: the backends connected to the run's database); peak RSS is VmHWM. Afterwards every",
      "message must be SENT, every campaign COMPLETED, and the emulators' logs must hold each",
      'sender/recipient pair exactly once with the ids the ledger recorded.',
      '',
      table(
        [
          'dispatchers',
          'messages/s',
          'wall',
          'submit (40 POSTs)',
          'dispatcher CPU',
          'Postgres CPU',
          'bench process CPU (emulators, gateway)',
          'machine busy (2 cores)',
          'dispatcher peak RSS',
          'correct',
        ],
        runs.map((r) => [
          String(r.dispatchers),
          fmtInt(rate(r)),
          fmtSeconds(r.wallSeconds),
          fmtSeconds(r.submitSeconds),
          cpuMs(r.dispatcherCpu),
          cpuMs(r.postgresCpu),
          cpuMs(r.benchCpu),
          `${Math.round(r.machineBusy * 100)}%`,
          r.dispatcherPeakRss.map(fmtMiB).join(', '),
          r.problems.length === 0 ? 'yes' : 'NO',
        ]),
      ),
    ].join('\n');
    const [one, two] = runs as [Run, Run];
    return {
      markdown,
      reading:
        `${fmtInt(rate(one))} msg/s with one dispatcher and ${fmtInt(rate(two))} with two (×${(rate(two) / rate(one)).toFixed(2)}), ` +
        `far below pg-boss's 6–7k jobs/s with one POST each: a message costs several transactions with row locks ` +
        `(claim, renewal, outcome), and on 2 cores the dispatchers, Postgres and the emulators share the same CPU.`,
      summary: runs.map(
        (r) =>
          `${r.dispatchers} dispatcher(s): ${fmtInt(rate(r))} msg/s (${fmtSeconds(r.wallSeconds)} for ${fmtInt(TOTAL)}), dispatcher CPU ${cpuMs(r.dispatcherCpu)}, Postgres CPU ${cpuMs(r.postgresCpu)}, peak RSS ${r.dispatcherPeakRss.map(fmtMiB).join(', ')}`,
      ),
      problems: runs.flatMap((r) => r.problems),
    };
  },
};
