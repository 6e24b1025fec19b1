import type { AcceptedMessage } from '@herald/waha-emulator';
import { numberRange } from '../campaigns.ts';
import type { Cleanup } from '../lifecycle.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { fmtMs, type Summary, summarize } from '../stats.ts';
import { createWorld } from '../world.ts';

const SENDER = '21620000101';
const MESSAGE_DELAY_S = 0.2;
const MESSAGES = 40;

interface Variant {
  checkNumbers: boolean;
  extra: Summary;
  problems: string[];
}

/** Acceptance times of one session's messages, oldest first. */
function acceptedTimes(messages: AcceptedMessage[]): number[] {
  return messages.map((m) => Date.parse(m.acceptedAt)).sort((a, b) => a - b);
}

async function runVariant(cleanup: Cleanup, checkNumbers: boolean): Promise<Variant> {
  const world = await createWorld(cleanup, {
    messageDelay: MESSAGE_DELAY_S,
    senderSwitchDelay: 0,
  });
  const core = await world.emulatedWorker('CORE');
  await world.connectSender(core, SENDER);
  await world.dispatcher('pacing-1', { CHECK_NUMBERS: String(checkNumbers) });
  await world.submit(SENDER, numberRange(21_690_000_001, MESSAGES));
  await world.waitForCampaignsDone(60_000);

  const accepted = core.emulator.messages();
  const times = acceptedTimes(accepted);
  const extra = times.slice(1).map((t, i) => t - (times[i] as number) - MESSAGE_DELAY_S * 1000);
  const problems: string[] = [];
  const recipients = new Set(accepted.map((m) => m.chatId));
  if (accepted.length !== MESSAGES || recipients.size !== MESSAGES) {
    problems.push(
      `CHECK_NUMBERS=${checkNumbers}: the emulator got ${accepted.length} messages for ${recipients.size} recipients, not ${MESSAGES}`,
    );
  }
  // The emulator stamps milliseconds, so a gap may read 1 ms short of a delay that was kept.
  const early = extra.filter((e) => e < -1);
  if (early.length > 0) {
    problems.push(
      `CHECK_NUMBERS=${checkNumbers}: ${early.length} gap(s) shorter than MESSAGE_DELAY (by up to ${fmtMs(-Math.min(...early))})`,
    );
  }
  return { checkNumbers, extra: summarize(extra), problems };
}

/**
 * The time a sender loses beyond MESSAGE_DELAY between two of its sends: the emulator's
 * acceptance times of consecutive messages minus the delay.
 */
export const pacingOverheadScenario: Scenario = {
  name: 'pacing-overhead',
  title: 'time beyond MESSAGE_DELAY between two sends of one sender',
  timeoutMs: 90_000,
  async run(cleanup, log) {
    const variants: Variant[] = [];
    for (const checkNumbers of [true, false]) {
      // Each variant gets its own database, emulator and dispatcher, released before the next.
      const scope = cleanup.scope();
      try {
        const variant = await runVariant(scope, checkNumbers);
        variants.push(variant);
        log(`CHECK_NUMBERS=${checkNumbers}: mean extra ${fmtMs(variant.extra.mean, 1)}`);
      } finally {
        const errors = await scope.run();
        if (errors.length > 0) log(`cleanup: ${errors.join('; ')}`);
      }
    }
    const row = (v: Variant) => [
      String(v.checkNumbers),
      String(v.extra.n),
      fmtMs(v.extra.mean, 1),
      fmtMs(v.extra.p50),
      fmtMs(v.extra.p95),
      fmtMs(v.extra.max),
      fmtMs(v.extra.min),
    ];
    const [checked, unchecked] = variants as [Variant, Variant];
    const markdown = [
      `One sender on an emulated WAHA Core worker, MESSAGE_DELAY ${MESSAGE_DELAY_S} s (SENDER_SWITCH_DELAY 0),`,
      `one campaign of ${MESSAGES} messages through POST /api/send, one dispatcher child process`,
      '(`apps/dispatcher/src/main.ts`, default settings otherwise). For each pair of consecutive',
      "messages: the gap between the emulator's `acceptedAt` stamps (ms) minus the delay, i.e. the",
      'time the pacing adds on top of MESSAGE_DELAY: the answer travelling back, recording the outcome,',
      'waking up, the next claim, the recipient check when enabled, and the request reaching WAHA.',
      '',
      table(['CHECK_NUMBERS', 'gaps', 'mean extra', 'p50', 'p95', 'max', 'min'], variants.map(row)),
    ].join('\n');
    return {
      markdown,
      reading:
        `A sender loses ${fmtMs(checked.extra.mean, 1)} per message beyond the delay with the recipient check ` +
        `and ${fmtMs(unchecked.extra.mean, 1)} without it (${((checked.extra.mean / (MESSAGE_DELAY_S * 1000)) * 100).toFixed(0)}% / ` +
        `${((unchecked.extra.mean / (MESSAGE_DELAY_S * 1000)) * 100).toFixed(0)}% of a ${MESSAGE_DELAY_S} s delay, negligible at the default 2 s); ` +
        (variants.some((v) => v.problems.length > 0)
          ? 'but see the failed checks.'
          : 'no gap was shorter than the delay.'),
      summary: variants.map(
        (v) =>
          `CHECK_NUMBERS=${v.checkNumbers}: extra beyond ${MESSAGE_DELAY_S} s mean ${fmtMs(v.extra.mean, 1)}, p50 ${fmtMs(v.extra.p50)}, p95 ${fmtMs(v.extra.p95)}, max ${fmtMs(v.extra.max)}`,
      ),
      problems: variants.flatMap((v) => v.problems),
    };
  },
};
