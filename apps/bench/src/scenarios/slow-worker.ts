import { sql } from 'kysely';
import { numberRange } from '../campaigns.ts';
import type { Cleanup } from '../lifecycle.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { createWorld } from '../world.ts';

const SENDERS = 5;
/** Each sender's messages in order: every one about 30% slower at WAHA than the one before. */
const LATENCIES_MS = [200, 260, 340, 440, 570, 740, 960, 1250, 1620, 2100, 2400, 2400];
const FLOOR_MS = 1000;
/** Short settings so that a timed-out call costs seconds, not the defaults' minutes. */
const ENV = {
  SEND_TIMEOUT_MS: String(FLOOR_MS),
  WAHA_STATUS_WAIT_MS: '300',
  LEASE_SECONDS: '5',
  UNKNOWN_SETTLE_SECONDS: '3',
  UNKNOWN_HOLD_SECONDS: '3',
  UNKNOWN_RESOLVE_INTERVAL_SECONDS: '1',
  WORKER_BREAKER_COOLDOWN_SECONDS: '2',
};

interface Variant {
  name: string;
  capMs: number;
  sent: number;
  unknown: number;
  breakerFailures: number;
  /** The most calls of one sender open at WAHA at once. */
  maxOpen: number;
  seconds: number;
}

async function runVariant(cleanup: Cleanup, name: string, capMs: number): Promise<Variant> {
  const world = await createWorld(cleanup, { messageDelay: 0, senderSwitchDelay: 0 });
  const plus = await world.emulatedWorker('PLUS');
  const senders = numberRange(21_620_000_601, SENDERS);
  const latencyMsTo: Record<string, number> = {};
  const lists = senders.map((_, s) => numberRange(21_696_000_000 + s * 100, LATENCIES_MS.length));
  for (const list of lists) {
    for (const [i, r] of list.entries()) latencyMsTo[r] = LATENCIES_MS[i] ?? 0;
  }
  plus.emulator.setFaults({ latencyMsTo });
  for (const sender of senders) await world.connectSender(plus, sender);
  await world.dispatcher(`slow-${name}`, { ...ENV, SEND_TIMEOUT_MAX_MS: String(capMs) });
  const started = performance.now();
  for (const [s, sender] of senders.entries()) await world.submit(sender, lists[s] ?? []);
  await world.waitForCampaignsDone(180_000);
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await sql<{ sent: number; unknown: number; failures: number }>`
    SELECT (SELECT count(*) FILTER (WHERE status = 'SENT') FROM messages)::int AS sent,
           (SELECT count(*) FILTER (WHERE status = 'UNKNOWN') FROM messages)::int AS unknown,
           (SELECT max(breaker_failures) FROM workers)::int AS failures`.execute(world.db);
  const open = Object.values(plus.emulator.sendConcurrency()).map((c) => c.max);
  return {
    name,
    capMs,
    sent: rows[0]?.sent ?? 0,
    unknown: rows[0]?.unknown ?? 0,
    breakerFailures: rows[0]?.failures ?? 0,
    maxOpen: Math.max(0, ...open),
    seconds,
  };
}

/** A worker growing slower message by message, with the adaptive send timeout and without it. */
export const slowWorkerScenario: Scenario = {
  name: 'slow-worker',
  title: 'a worker growing slower: adaptive send timeout against a fixed one',
  timeoutMs: 420_000,
  async run(cleanup, log) {
    const variants: Variant[] = [];
    for (const [name, capMs] of [
      ['adaptive', 4000],
      ['fixed', FLOOR_MS],
    ] as const) {
      const scope = cleanup.scope();
      try {
        const v = await runVariant(scope, name, capMs);
        variants.push(v);
        log(`${name}: ${v.sent} SENT, ${v.unknown} UNKNOWN in ${v.seconds.toFixed(1)} s`);
      } finally {
        const errors = await scope.run();
        if (errors.length > 0) log(`cleanup: ${errors.join('; ')}`);
      }
    }
    const total = SENDERS * LATENCIES_MS.length;
    const problems = variants.flatMap((v) => [
      ...(v.maxOpen > 1
        ? [`${v.name}: ${v.maxOpen} calls of one sender open at WAHA at once`]
        : []),
      ...(v.sent + v.unknown !== total
        ? [`${v.name}: ${v.sent + v.unknown} of ${total} settled`]
        : []),
    ]);
    const adaptive = variants[0];
    if (adaptive && adaptive.unknown > 0) problems.push(`adaptive: ${adaptive.unknown} UNKNOWN`);
    const markdown = [
      `${SENDERS} senders on one emulated WAHA Plus worker, ${LATENCIES_MS.length} messages each through`,
      `POST /api/send; WAHA takes ${LATENCIES_MS.join(', ')} ms for a sender's messages in order`,
      `(\`latencyMsTo\`). One dispatcher process, SEND_TIMEOUT_MS ${FLOOR_MS} (the floor), LEASE_SECONDS 5,`,
      'UNKNOWN_SETTLE/HOLD_SECONDS 3, sessions without a message store (an UNKNOWN stays one).',
      '"adaptive": SEND_TIMEOUT_MAX_MS 4000, the timeout twice the p99 of the worker\'s successful',
      'sends; "fixed": SEND_TIMEOUT_MAX_MS = SEND_TIMEOUT_MS, no adaptation. "Breaker count": the',
      'timeouts counted on the worker row in the breaker window.',
      '',
      table(
        ['variant', 'SENT', 'UNKNOWN', 'breaker count', 'max calls open per sender', 'wall time'],
        variants.map((v) => [
          v.name,
          String(v.sent),
          String(v.unknown),
          String(v.breakerFailures),
          String(v.maxOpen),
          `${v.seconds.toFixed(1)} s`,
        ]),
      ),
    ].join('\n');
    return {
      markdown,
      reading: variants
        .map((v) => `${v.name}: ${v.sent}/${total} SENT, ${v.unknown} UNKNOWN`)
        .join('; '),
      summary: variants.map(
        (v) =>
          `${v.name}: ${v.sent} SENT, ${v.unknown} UNKNOWN, breaker count ${v.breakerFailures}, max open ${v.maxOpen}, ${v.seconds.toFixed(1)} s`,
      ),
      problems,
    };
  },
};
