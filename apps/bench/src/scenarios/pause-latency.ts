import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@herald/testing';
import { numberRange } from '../campaigns.ts';
import { postJson } from '../http.ts';
import type { Cleanup } from '../lifecycle.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { fmtMs, type Summary, summarize } from '../stats.ts';
import { createWorld } from '../world.ts';

const SENDER = '21620000111';
const CYCLES = 12;
const SENDS_BETWEEN = 5;
const WAHA_LATENCIES_MS = [0, 200];

interface Variant {
  wahaMs: number;
  /** POST …/pause, request to answer. */
  call: Summary;
  /** From the pause's answer to WAHA accepting the campaign's last message (0 when none was in flight). */
  afterReturn: Summary;
  /** Messages WAHA accepted after the pause answered, per pause. */
  lateSends: number[];
  problems: string[];
}

/**
 * One campaign, paused and resumed CYCLES times while it sends. Each pause is timed from the
 * request to its answer, then to the campaign's last message accepted by the emulator once the
 * message in flight (if any) is recorded. Nothing may be claimed after the answer: at most one
 * message (the one in flight) may reach WAHA after it.
 */
async function runVariant(cleanup: Cleanup, wahaMs: number): Promise<Variant> {
  const world = await createWorld(cleanup, { messageDelay: 0, senderSwitchDelay: 0 });
  const plus = await world.emulatedWorker('PLUS');
  plus.emulator.setFaults({ latencyMs: wahaMs });
  await world.connectSender(plus, SENDER);
  await Promise.all([world.dispatcher('pause-1'), world.dispatcher('pause-2')]);
  const campaign = await world.submit(SENDER, numberRange(21_691_000_001, 2000));
  const control = (action: string) =>
    postJson(
      `${world.gatewayUrl}/api/campaigns/${campaign}/${action}?sender_number=${SENDER}`,
      '{}',
    );
  const accepted = () => plus.emulator.messages().map((m) => Date.parse(m.acceptedAt));
  const openMessages = async () =>
    Number(
      (
        await world.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('campaign_id', '=', campaign)
          .where('status', '=', 'SENDING')
          .executeTakeFirstOrThrow()
      ).n,
    );

  const calls: number[] = [];
  const afterReturn: number[] = [];
  const lateSends: number[] = [];
  const problems: string[] = [];
  for (let cycle = 0; cycle < CYCLES; cycle += 1) {
    const before = accepted().length;
    await waitFor(() => accepted().length >= before + SENDS_BETWEEN, {
      timeoutMs: 30_000,
      intervalMs: 5,
      what: 'sends between pauses',
    });
    // At a random point of the send cycle, not always just after an acceptance.
    await sleep(Math.random() * (wahaMs + 50));
    const requested = Date.now();
    const answer = await control('pause');
    const answered = Date.now();
    if (answer.status !== 200) throw new Error(`pause answered ${answer.status}`);
    const countAtAnswer = accepted().length;
    await waitFor(async () => (await openMessages()) === 0, {
      timeoutMs: 30_000,
      intervalMs: 5,
      what: 'the message in flight',
    });
    // Anything claimed after the answer would show up within a send's time: look a little longer.
    await sleep(wahaMs + 300);
    const times = accepted();
    const late = times.length - countAtAnswer;
    lateSends.push(late);
    if (late > 1)
      problems.push(
        `WAHA ${wahaMs} ms, pause ${cycle + 1}: ${late} messages accepted after the pause answered`,
      );
    calls.push(answered - requested);
    afterReturn.push(Math.max(0, Math.max(...times) - answered));
    if ((await control('resume')).status !== 200) throw new Error('resume failed');
  }
  return {
    wahaMs,
    call: summarize(calls),
    afterReturn: summarize(afterReturn),
    lateSends,
    problems,
  };
}

/** How quickly a pause takes effect: its own latency and the time until the last send of the campaign. */
export const pauseLatencyScenario: Scenario = {
  name: 'pause-latency',
  title: 'pause-to-last-send latency',
  timeoutMs: 240_000,
  async run(cleanup, log) {
    const variants: Variant[] = [];
    for (const wahaMs of WAHA_LATENCIES_MS) {
      const scope = cleanup.scope();
      try {
        const variant = await runVariant(scope, wahaMs);
        variants.push(variant);
        log(
          `WAHA ${wahaMs} ms: pause answered in ${fmtMs(variant.call.p50)} (p50), last send ${fmtMs(variant.afterReturn.p50)} after it (p50)`,
        );
      } finally {
        const errors = await scope.run();
        if (errors.length > 0) log(`cleanup: ${errors.join('; ')}`);
      }
    }
    const row = (v: Variant) => [
      `${v.wahaMs} ms`,
      String(v.call.n),
      `${fmtMs(v.call.p50)} / ${fmtMs(v.call.p95)} / ${fmtMs(v.call.max)}`,
      `${fmtMs(v.afterReturn.p50)} / ${fmtMs(v.afterReturn.p95)} / ${fmtMs(v.afterReturn.max)}`,
      `${v.lateSends.filter((n) => n === 1).length} / ${v.lateSends.filter((n) => n > 1).length}`,
    ];
    const markdown = [
      'One sender on an emulated WAHA Plus worker answering each send after the given latency,',
      'MESSAGE_DELAY 0, one campaign of 2,000 through POST /api/send, two dispatcher child processes',
      `(default settings). ${CYCLES} times: wait for ${SENDS_BETWEEN} sends and a random 0 to latency + 50 ms, POST /api/campaigns/{id}/pause through the`,
      'gateway, wait until the message in flight is recorded (and a send time longer), resume. "Pause"',
      "is the request's round trip; \"last send\" runs from the pause's answer to the emulator's",
      '`acceptedAt` of the campaign\'s last message (0 when nothing was in flight). "Late sends"',
      'counts the pauses after whose answer one message (the one in flight) / more than one reached WAHA.',
      '',
      table(
        [
          'WAHA latency',
          'pauses',
          'pause p50 / p95 / max',
          'last send after answer p50 / p95 / max',
          'late sends: 1 / >1',
        ],
        variants.map(row),
      ),
    ].join('\n');
    const slow = variants[variants.length - 1] as Variant;
    const fast = variants[0] as Variant;
    const failed = variants.some((v) => v.problems.length > 0);
    return {
      markdown,
      reading:
        `A pause answers in ${fmtMs(fast.call.p50)} (p50) and is exact: ` +
        (failed
          ? 'but see the failed checks.'
          : `no pause let more than the one message in flight through. The last send follows the answer by what remains ` +
            `of the call in flight (claim committed, recipient check, send): at most ${fmtMs(fast.afterReturn.max)} with an ` +
            `instant WAHA and ${fmtMs(slow.afterReturn.max)} with ${slow.wahaMs} ms per send on this loaded machine.`),
      summary: variants.map(
        (v) =>
          `WAHA ${v.wahaMs} ms: pause p50 ${fmtMs(v.call.p50)}, last send after answer p50 ${fmtMs(v.afterReturn.p50)} max ${fmtMs(v.afterReturn.max)}`,
      ),
      problems: variants.flatMap((v) => v.problems),
    };
  },
};
