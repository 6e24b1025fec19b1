// One variant of the pacing-scale scenario: its world, its dispatchers, and what they did.
import { MAX_CONCURRENCY } from '@herald/dispatcher';
import { makeConnectedSender, makeWorker } from '@herald/testing';
import { inBatches } from './batches.ts';
import { numberRange } from './campaigns.ts';
import { checkAccepted } from './delivery-check.ts';
import { paceDirectly, sentDirectly } from './direct-pacing.ts';
import {
  type DispatchCost,
  sampleInFlight,
  sharesByDispatcher,
  startCostMeter,
  stopDispatchersAndWait,
} from './dispatch-cost.ts';
import type { Cleanup } from './lifecycle.ts';
import { load } from './machine.ts';
import {
  emulatorSendTimes,
  ledgerSendTimes,
  type PacingGaps,
  type PacingSpread,
  pacingGaps,
  pacingSpread,
  type SendPhases,
  sendPhases,
  shortGapProblems,
} from './pacing-gaps.ts';
import { stoppedAtCleanup } from './resources.ts';
import { readAcceptedMessages, startEmulatorProcess } from './waha-direct.ts';
import { createWorld } from './world.ts';

export const DELAY_S = 2;

// Overridable for a quick check of the scenario itself, e.g. PS_SENDERS=200 PS_PER_SENDER=5.
const envInt = (name: string, fallback: number) => Number(process.env[name]) || fallback;
export const senders = () => envInt('PS_SENDERS', 2000);
export const perSender = () => envInt('PS_PER_SENDER', 10);
export const workerCount = () => envInt('PS_WORKERS', 8);
export const total = () => senders() * perSender();
/** More of the dispatchers' environment, as JSON (e.g. NODE_OPTIONS for a profile). */
const extraEnv = () => JSON.parse(process.env.PS_ENV ?? '{}') as Record<string, string>;
export const dispatcherCounts = () =>
  (process.env.PS_DISPATCHERS ?? '1,2').split(',').map((n) => Number(n.trim()));
/** Each dispatcher holds its share of the senders, within what CONCURRENCY allows. */
export const concurrencyFor = (dispatchers: number) =>
  envInt('PS_CONCURRENCY', Math.min(MAX_CONCURRENCY, Math.ceil(senders() / dispatchers)));

export interface Run extends DispatchCost {
  dispatchers: number;
  concurrency: number;
  /** From the first to the last acceptance at the emulator. */
  spanSeconds: number;
  ledger: PacingGaps;
  emulator: PacingGaps;
  emulatorCpu: number;
  phases: SendPhases | null;
  spread: PacingSpread;
  /** The direct pacer's sends (`paceDirectly`): the floor of pacing in the same run. */
  direct: { gaps: PacingGaps; spread: PacingSpread; spanSeconds: number };
  /** The most messages SENDING at once. */
  inFlight: number;
  transactions: number;
  shares: number[];
  load: string;
  problems: string[];
}

export const offered = () => senders() / DELAY_S;
/** Every sender sending its messages DELAY apart from one moment on gives exactly `offered`. */
export const achievedOver = (spanSeconds: number) => total() / (spanSeconds + DELAY_S);
export const achieved = (r: Run) => achievedOver(r.spanSeconds);
/** From the first to the last of these times (ms), in seconds. */
const spanSeconds = (times: readonly number[]) => (Math.max(...times) - Math.min(...times)) / 1000;

export async function runVariant(cleanup: Cleanup, dispatcherCount: number): Promise<Run> {
  const world = await createWorld(cleanup, { messageDelay: DELAY_S, senderSwitchDelay: 0 });
  const perWorker = Math.ceil(senders() / workerCount());
  const emulator = stoppedAtCleanup(
    cleanup,
    'the emulator process',
    await startEmulatorProcess(workerCount(), perWorker),
  );
  // Sender i lives on worker i % workers, so every worker carries its share of the rate.
  const phones: string[] = [];
  for (const target of emulator.workers) {
    const worker = await makeWorker(world.db, {
      url: target.url,
      api_key: target.apiKey ?? '',
      tier: 'PLUS',
    });
    await inBatches(target.sessions, 50, (phone) =>
      makeConnectedSender(world.db, phone, { worker }),
    );
  }
  for (let s = 0; s < perWorker; s++) {
    for (const target of emulator.workers) {
      const phone = target.sessions[s];
      if (phone && phones.length < senders()) phones.push(phone);
    }
  }
  // The same run's floor first, on the same emulator, so Herald meets the busier one.
  await paceDirectly(emulator, phones, perSender(), DELAY_S * 1000);
  // All campaigns are in before any dispatcher starts: the run measures dispatch alone.
  await inBatches(phones, 8, (phone, i) =>
    world.submit(phone, numberRange(21_690_000_000 + i * perSender(), perSender())),
  );

  const concurrency = concurrencyFor(dispatcherCount);
  // Started together, as `docker compose --scale dispatcher=N` starts them.
  const dispatchers = await Promise.all(
    Array.from({ length: dispatcherCount }, (_, d) =>
      world.dispatcher(`ps-${d + 1}`, {
        CHECK_NUMBERS: 'false',
        CONCURRENCY: String(concurrency),
        ...extraEnv(),
      }),
    ),
  );
  const meter = await startCostMeter(world.db, dispatchers, [emulator.pid]);
  const inFlight = sampleInFlight(world.db);
  // At 20 msg/s at least, with room for a slow machine.
  await world.waitForCampaignsDone(Math.max(120_000, (total() / 20) * 1000));
  const cost = await meter.stop();
  const mostInFlight = inFlight.stop();
  const shares = await sharesByDispatcher(world.db, dispatchers);
  await stopDispatchersAndWait(world.db, dispatchers);

  const everything = await readAcceptedMessages(emulator);
  const accepted = everything.filter((m) => !sentDirectly(m));
  const direct = emulatorSendTimes(everything.filter(sentDirectly));
  const problems = await checkAccepted(world.db, accepted, total());
  const acceptedTimes = accepted.map((m) => Date.parse(m.acceptedAt));
  const ledger = pacingGaps(await ledgerSendTimes(world.db), DELAY_S * 1000, 0);
  // The emulator stamps milliseconds, so a gap may read 1 ms short of a delay that was kept.
  const atEmulator = pacingGaps(emulatorSendTimes(accepted), DELAY_S * 1000, 1);
  problems.push(...shortGapProblems({ ledger, emulator: atEmulator }));
  return {
    ...cost,
    dispatchers: dispatcherCount,
    concurrency,
    spanSeconds: spanSeconds(acceptedTimes),
    ledger,
    emulator: atEmulator,
    emulatorCpu: cost.otherCpu.get(emulator.pid) ?? 0,
    phases: await sendPhases(world.db, accepted),
    spread: pacingSpread(emulatorSendTimes(accepted), DELAY_S * 1000),
    direct: {
      gaps: pacingGaps(direct, DELAY_S * 1000, 1),
      spread: pacingSpread(direct, DELAY_S * 1000),
      spanSeconds: spanSeconds([...direct.values()].flat()),
    },
    inFlight: mostInFlight,
    transactions: await meter.transactions(),
    shares,
    load: load(),
    problems,
  };
}
