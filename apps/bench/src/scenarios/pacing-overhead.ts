import type { AcceptedMessage } from '@herald/waha-emulator';
import { numberRange } from '../campaigns.ts';
import type { Cleanup } from '../lifecycle.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { fmtMs, type Summary, summarize } from '../stats.ts';
import { type BenchWorld, createWorld } from '../world.ts';

const SENDER = '21620000101';
const MESSAGE_DELAY_S = 0.2;
const MESSAGES = 40;

interface Variant {
  checkNumbers: boolean;
  extra: Summary;
  /** Mean of each part of the extra time, in ms (see `splitExtra`). */
  parts: { back: number; between: number; out: number };
  problems: string[];
}

/** Acceptance times of one session's messages, oldest first. */
function acceptedTimes(messages: AcceptedMessage[]): number[] {
  return messages.map((m) => Date.parse(m.acceptedAt)).sort((a, b) => a - b);
}

/**
 * Splits the extra time of each gap at the ledger's own stamps (Postgres `now()`, the same host
 * clock as the emulator's): `sent_at` and `next_send_at` come from the outcome transaction's
 * start, `sending_at` from the claim's. back: WAHA's answer until the outcome transaction starts;
 * between: from the end of the delay to the next claim; out: from that claim to WAHA accepting
 * the next message (claim commit, recipient check, lease renewal, the send request).
 */
async function splitExtra(world: BenchWorld, accepted: AcceptedMessage[]) {
  const rows = await world.db
    .selectFrom('messages')
    .select(['recipient', 'sending_at', 'sent_at'])
    .orderBy('id')
    .execute();
  const acceptedAt = new Map(
    accepted.map((m) => [m.chatId.split('@')[0], Date.parse(m.acceptedAt)]),
  );
  const at = (d: Date | null) => d?.getTime() ?? Number.NaN;
  const parts = { back: [] as number[], between: [] as number[], out: [] as number[] };
  rows.forEach((row, i) => {
    const next = rows[i + 1];
    if (!next) return;
    parts.back.push(at(row.sent_at) - (acceptedAt.get(row.recipient) ?? Number.NaN));
    parts.between.push(at(next.sending_at) - at(row.sent_at) - MESSAGE_DELAY_S * 1000);
    parts.out.push((acceptedAt.get(next.recipient) ?? Number.NaN) - at(next.sending_at));
  });
  return {
    back: summarize(parts.back).mean,
    between: summarize(parts.between).mean,
    out: summarize(parts.out).mean,
  };
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
  return {
    checkNumbers,
    extra: summarize(extra),
    parts: await splitExtra(world, accepted),
    problems,
  };
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
      `${fmtMs(v.parts.back, 1)} + ${fmtMs(v.parts.between, 1)} + ${fmtMs(v.parts.out, 1)}`,
    ];
    const [checked, unchecked] = variants as [Variant, Variant];
    const markdown = [
      `One sender on an emulated WAHA Core worker, MESSAGE_DELAY ${MESSAGE_DELAY_S} s (SENDER_SWITCH_DELAY 0),`,
      `one campaign of ${MESSAGES} messages through POST /api/send, one dispatcher child process`,
      '(`apps/dispatcher/src/main.ts`, default settings otherwise). For each pair of consecutive',
      "messages: the gap between the emulator's `acceptedAt` stamps (ms) minus the delay, i.e. the",
      'time the pacing adds on top of MESSAGE_DELAY: the answer travelling back, recording the outcome,',
      'waking up, the next claim, the recipient check when enabled, and the request reaching WAHA.',
      "The last column splits the mean at the ledger's stamps: WAHA's answer until the outcome",
      'transaction starts (`sent_at`) + from the end of the delay to the next claim (`sending_at`)',
      '+ from that claim until WAHA accepts the next message.',
      '',
      table(
        [
          'CHECK_NUMBERS',
          'gaps',
          'mean extra',
          'p50',
          'p95',
          'max',
          'min',
          'mean = back + between + out',
        ],
        variants.map(row),
      ),
    ].join('\n');
    return {
      markdown,
      reading:
        `A sender loses ${fmtMs(checked.extra.mean, 1)} per message beyond the delay with the recipient check ` +
        `and ${fmtMs(unchecked.extra.mean, 1)} without it (${((checked.extra.mean / (MESSAGE_DELAY_S * 1000)) * 100).toFixed(0)}% / ` +
        `${((unchecked.extra.mean / (MESSAGE_DELAY_S * 1000)) * 100).toFixed(0)}% of a ${MESSAGE_DELAY_S} s delay, negligible at the default 2 s). ` +
        `Most of it is database time: the sleep lasts the whole delay counted from the start of the waiting ` +
        `claim made right after each send, so that claim's own duration is added (between: ${fmtMs(unchecked.parts.between, 1)}), ` +
        `and the claim transaction (plus the check and a lease renewal) precedes every send ` +
        `(out: ${fmtMs(unchecked.parts.out, 1)} without the check, ${fmtMs(checked.parts.out, 1)} with it); ` +
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
