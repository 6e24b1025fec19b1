import { waitFor } from '@herald/testing';
import { sql } from 'kysely';
import { numberRange } from '../campaigns.ts';
import type { DispatcherProcess } from '../dispatchers.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { fmtMs, fmtSeconds, summarize } from '../stats.ts';
import { createWorld } from '../world.ts';

const SENDER = '21620000301';
const KILLS = 3;
const LEASE_SECONDS = 5;
const MESSAGE_DELAY_S = 0.1;
const SENDS_BEFORE_KILL = 5;
const ENV = {
  LEASE_SECONDS: String(LEASE_SECONDS),
  SEND_TIMEOUT_MS: '3000',
  WAHA_STATUS_WAIT_MS: '200',
};
// The dispatcher's own defaults for this lease: a sweep every max(1, lease/3) s (±20% jitter),
// a poll every 0.5 s.
const SWEEP_SECONDS = Math.max(1, LEASE_SECONDS / 3);
const SWEEP_JITTER = 1.2;
const POLL_SECONDS = 0.5;

interface Kill {
  victim: string;
  successor: string;
  leaseLeftMs: number;
  unknown: number;
  claimMs: number;
  sendMs: number;
}

const ownerOf = (claimedBy: string | null) => claimedBy?.split(':')[0] ?? '';

/**
 * kill -9 of the dispatcher holding a busy sender, then the time until another dispatcher
 * sends for that sender: the lease must lapse, a sweep must notice and queue a turn, and a
 * dispatcher must fetch it.
 */
export const recoveryScenario: Scenario = {
  name: 'recovery',
  title: 'from kill -9 of a dispatcher to the next send for its sender',
  timeoutMs: 120_000,
  async run(cleanup, log) {
    const world = await createWorld(cleanup, {
      messageDelay: MESSAGE_DELAY_S,
      senderSwitchDelay: 0,
    });
    const plus = await world.emulatedWorker('PLUS');
    await world.connectSender(plus, SENDER);
    const alive = new Map<string, DispatcherProcess>();
    let started = 0;
    const startOne = async () => {
      const d = await world.dispatcher(`rc-${++started}`, ENV);
      alive.set(d.id, d);
    };
    await startOne();
    await startOne();
    await world.submit(SENDER, numberRange(21_690_100_000, 2000));

    const kills: Kill[] = [];
    let since = new Date(0);
    for (let k = 1; k <= KILLS; k++) {
      // The victim is whoever holds the sender now, once it has sent a few messages.
      const victim = await waitFor(
        async () => {
          const lease = await world.db
            .selectFrom('senders')
            .select(['lease_owner'])
            .where('phone_number', '=', SENDER)
            .executeTakeFirstOrThrow();
          const holder = alive.get(ownerOf(lease.lease_owner));
          if (!holder) return null;
          const sent = await world.db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('claimed_by', 'like', `${holder.id}:%`)
            .where('status', '=', 'SENT')
            .where('sent_at', '>', since)
            .executeTakeFirstOrThrow();
          return Number(sent.n) >= SENDS_BEFORE_KILL ? holder : null;
        },
        { timeoutMs: 30_000, what: 'a dispatcher holding the sender and sending' },
      );
      const { left } = await world.db
        .selectFrom('senders')
        .select(sql<number>`extract(epoch from lease_expires_at)`.as('left'))
        .where('phone_number', '=', SENDER)
        .executeTakeFirstOrThrow();
      const killedAt = Date.now();
      await victim.process.kill();
      alive.delete(victim.id);

      const first = await waitFor(
        () =>
          world.db
            .selectFrom('messages')
            .select(['id', 'claimed_by', 'sending_at'])
            .where('sender_number', '=', SENDER)
            .where('claimed_by', 'not like', `${victim.id}:%`)
            .where('sending_at', '>', new Date(killedAt))
            .orderBy('sending_at')
            .limit(1)
            .executeTakeFirst(),
        { timeoutMs: 60_000, intervalMs: 10, what: `a send after killing ${victim.id}` },
      );
      const sent = await waitFor(
        async () => {
          const row = await world.db
            .selectFrom('messages')
            .select('waha_message_id')
            .where('id', '=', first.id)
            .executeTakeFirstOrThrow();
          return plus.emulator.messages().find((m) => m.id === row.waha_message_id);
        },
        { timeoutMs: 10_000, what: `message ${first.id} to be recorded as sent` },
      );
      const unknown = await world.db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('claimed_by', 'like', `${victim.id}:%`)
        .where('status', '=', 'UNKNOWN')
        .executeTakeFirstOrThrow();
      const kill: Kill = {
        victim: victim.id,
        successor: ownerOf(first.claimed_by),
        leaseLeftMs: Number(left) * 1000 - killedAt,
        unknown: Number(unknown.n),
        claimMs: (first.sending_at as Date).getTime() - killedAt,
        sendMs: Date.parse(sent.acceptedAt) - killedAt,
      };
      kills.push(kill);
      log(`kill ${k} (${kill.victim}): next send by ${kill.successor} after ${fmtMs(kill.sendMs)}`);
      since = new Date();
      // A replacement, so the next kill again leaves one dispatcher to take over.
      if (k < KILLS) await startOne();
    }

    const problems: string[] = [];
    const accepted = plus.emulator.messages();
    const recipients = new Set(accepted.map((m) => m.chatId));
    if (recipients.size !== accepted.length) {
      problems.push(`${accepted.length - recipients.size} recipient(s) received a message twice`);
    }
    const lost = await world.db
      .selectFrom('messages')
      .select(['error_code'])
      .where('status', '=', 'UNKNOWN')
      .execute();
    if (lost.length > KILLS || lost.some((m) => m.error_code !== 'DISPATCHER_LOST')) {
      problems.push(`${lost.length} UNKNOWN messages for ${KILLS} kills`);
    }

    const sends = summarize(kills.map((k) => k.sendMs));
    const bound = LEASE_SECONDS + SWEEP_SECONDS * SWEEP_JITTER + POLL_SECONDS;
    const markdown = [
      `One sender on an emulated Plus worker, MESSAGE_DELAY ${MESSAGE_DELAY_S} s, one campaign of 2,000 messages,`,
      `two dispatcher child processes with LEASE_SECONDS=${LEASE_SECONDS} (SEND_TIMEOUT_MS 3000, sweep every`,
      `${SWEEP_SECONDS.toFixed(2)} s ± jitter, poll 0.5 s: the defaults for that lease). ${KILLS} times: once the`,
      `holder of the sender's lease has sent ${SENDS_BEFORE_KILL} messages, it gets SIGKILL; measured from the`,
      "kill to the other dispatcher's first claim (`sending_at`) and to the emulator accepting that message;",
      'then a replacement dispatcher starts. Afterwards no recipient may have received a message twice.',
      '',
      table(
        [
          'kill',
          'victim → successor',
          'lease left at kill',
          'lost in flight (UNKNOWN)',
          'to next claim',
          'to next send',
        ],
        kills.map((k, i) => [
          String(i + 1),
          `${k.victim} → ${k.successor}`,
          fmtMs(k.leaseLeftMs),
          String(k.unknown),
          fmtMs(k.claimMs),
          fmtMs(k.sendMs),
        ]),
      ),
    ].join('\n');
    return {
      markdown,
      reading:
        `The sender resumed ${fmtSeconds(sends.min / 1000, 1)}–${fmtSeconds(sends.max / 1000, 1)} after the kill: ` +
        `the lease left at the kill (about ${LEASE_SECONDS} s, renewed at each claim) plus up to one sweep ` +
        `(${(SWEEP_SECONDS * SWEEP_JITTER).toFixed(1)} s with jitter) and one poll (${POLL_SECONDS} s), ` +
        `${sends.max / 1000 <= bound ? 'within' : 'beyond'} the ${fmtSeconds(bound, 1)} this adds up to; ` +
        'a shorter lease shortens it at the price of more frequent renewals and sweeps.',
      summary: [
        `next send after kill -9: ${kills.map((k) => fmtMs(k.sendMs)).join(', ')} (lease ${LEASE_SECONDS} s)`,
      ],
      problems,
    };
  },
};
