import { waitFor } from '@herald/testing';
import { sql } from 'kysely';
import { numberRange } from '../campaigns.ts';
import type { DispatcherProcess } from '../dispatchers.ts';
import { table } from '../report.ts';
import type { Scenario } from '../scenario.ts';
import { fmtMs } from '../stats.ts';
import { createWorld } from '../world.ts';

const SENDERS = Array.from({ length: 12 }, (_, i) => String(21620000301 + i));
const DISPATCHERS = 3;
const KILLS = 3;
const MESSAGE_DELAY_S = 0.1;
const PER_SENDER = 2000;
/** What the defaults add up to: a 5 s lease, a sweep every 5/3 s ± 20%, a 0.5 s poll. */
const RESUME_BOUND_MS = 10_000;
/** A survivor's sender "pauses" when two of its sends are further apart than this. */
const PAUSE_MS = 2000;

interface Kill {
  victim: string;
  victimSenders: number;
  survivorSenders: number;
  leaseLeftMs: number;
  unknown: number;
  resumeMinMs: number;
  resumeMaxMs: number;
  survivorGapMs: number;
  survivorGapBeforeMs: number;
}

/** Who holds which sender now (only leases that stand). */
async function holders(db: Awaited<ReturnType<typeof createWorld>>['db']) {
  const { rows } = await sql<{ phone_number: string; owner: string; left_ms: number }>`
    SELECT phone_number, split_part(lease_owner, ':', 1) AS owner,
           extract(epoch from lease_expires_at - now()) * 1000 AS left_ms
    FROM senders WHERE lease_owner IS NOT NULL AND lease_expires_at > now()`.execute(db);
  return rows;
}

/**
 * kill -9 of one of three dispatchers sharing twelve busy senders, with the default settings:
 * how long the killed one's senders stall (lease, sweep, poll) and whether the survivors' own
 * senders notice at all (their largest gap between two sends across the kill).
 */
export const recoveryScenario: Scenario = {
  name: 'recovery',
  title: 'from kill -9 of a dispatcher to the next send of each of its senders',
  timeoutMs: 300_000,
  async run(cleanup, log) {
    const world = await createWorld(cleanup, {
      messageDelay: MESSAGE_DELAY_S,
      senderSwitchDelay: 0,
    });
    const plus = await world.emulatedWorker('PLUS');
    for (const sender of SENDERS) await world.connectSender(plus, sender);
    const alive = new Map<string, DispatcherProcess>();
    let started = 0;
    const startOne = async () => {
      // The defaults: no LEASE_SECONDS, SEND_TIMEOUT_MS or SWEEP_SECONDS of its own.
      const d = await world.dispatcher(`rc-${++started}`);
      alive.set(d.id, d);
    };
    for (let i = 0; i < DISPATCHERS; i++) await startOne();
    for (const [i, sender] of SENDERS.entries()) {
      await world.submit(sender, numberRange(21_690_100_000 + i * 10_000, PER_SENDER));
    }

    const kills: Kill[] = [];
    for (let k = 1; k <= KILLS; k++) {
      // Every live dispatcher holds some senders (the replacement has found its share).
      const held = await waitFor(
        async () => {
          const rows = await holders(world.db);
          const owners = new Set(rows.map((r) => r.owner));
          return [...alive.keys()].every((id) => owners.has(id)) && rows.length === SENDERS.length
            ? rows
            : null;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: 'every dispatcher holding senders' },
      );
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const now = await holders(world.db);
      const counts = new Map<string, number>();
      for (const r of now) counts.set(r.owner, (counts.get(r.owner) ?? 0) + 1);
      const victimId = [...counts].filter(([id]) => alive.has(id)).sort((a, b) => b[1] - a[1])[0];
      const victim = victimId ? alive.get(victimId[0]) : undefined;
      if (!victim) throw new Error(`no live dispatcher holds a sender (${held.length} held)`);
      const victimSenders = now.filter((r) => r.owner === victim.id).map((r) => r.phone_number);
      const survivorSenders = now.filter((r) => r.owner !== victim.id).map((r) => r.phone_number);
      const leaseLeftMs = Math.max(
        ...now.filter((r) => r.owner === victim.id).map((r) => Number(r.left_ms)),
      );
      const killedAt = new Date();
      await victim.process.kill();
      alive.delete(victim.id);

      const resumed = await waitFor(
        async () => {
          const { rows } = await sql<{ sender_number: string; first: Date }>`
            SELECT sender_number, min(sending_at) AS first FROM messages
            WHERE sender_number = ANY(${victimSenders}::text[]) AND sending_at > ${killedAt}
              AND split_part(claimed_by, ':', 1) <> ${victim.id}
            GROUP BY sender_number`.execute(world.db);
          return rows.length === victimSenders.length ? rows : null;
        },
        { timeoutMs: 60_000, intervalMs: 20, what: `the senders of ${victim.id} to resume` },
      );
      const resumeMs = resumed.map((r) => r.first.getTime() - killedAt.getTime());
      const windowEnd = new Date(killedAt.getTime() + Math.max(...resumeMs) + 2000);
      await new Promise((resolve) => setTimeout(resolve, windowEnd.getTime() - Date.now() + 500));
      const gap = async (from: Date, to: Date) => {
        const { rows } = await sql<{ gap_ms: number | null }>`
          SELECT max(gap) * 1000 AS gap_ms FROM (
            SELECT extract(epoch from sending_at - lag(sending_at)
                     OVER (PARTITION BY sender_number ORDER BY sending_at)) AS gap
            FROM messages
            WHERE sender_number = ANY(${survivorSenders}::text[])
              AND sending_at BETWEEN ${from} AND ${to}) gaps`.execute(world.db);
        return Number(rows[0]?.gap_ms ?? 0);
      };
      const unknown = await world.db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('claimed_by', 'like', `${victim.id}:%`)
        .where('status', '=', 'UNKNOWN')
        .executeTakeFirstOrThrow();
      const kill: Kill = {
        victim: victim.id,
        victimSenders: victimSenders.length,
        survivorSenders: survivorSenders.length,
        leaseLeftMs,
        unknown: Number(unknown.n),
        resumeMinMs: Math.min(...resumeMs),
        resumeMaxMs: Math.max(...resumeMs),
        survivorGapMs: await gap(killedAt, windowEnd),
        survivorGapBeforeMs: await gap(new Date(killedAt.getTime() - 3000), killedAt),
      };
      kills.push(kill);
      log(
        `kill ${k} (${kill.victim}, ${kill.victimSenders} senders): resumed after ${fmtMs(kill.resumeMinMs)}–${fmtMs(kill.resumeMaxMs)}; survivors' largest gap ${fmtMs(kill.survivorGapMs)}`,
      );
      // A replacement, so each kill again leaves two dispatchers.
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
    const bound = kills.reduce((n, k) => n + k.victimSenders, 0);
    if (lost.length > bound || lost.some((m) => m.error_code !== 'DISPATCHER_LOST')) {
      problems.push(`${lost.length} UNKNOWN messages for ${bound} senders killed under`);
    }
    for (const [i, k] of kills.entries()) {
      if (k.resumeMaxMs > RESUME_BOUND_MS) {
        problems.push(`kill ${i + 1}: a sender resumed after ${fmtMs(k.resumeMaxMs)}`);
      }
      if (k.survivorGapMs > PAUSE_MS) {
        problems.push(`kill ${i + 1}: a survivor's sender paused ${fmtMs(k.survivorGapMs)}`);
      }
    }

    const worst = Math.max(...kills.map((k) => k.resumeMaxMs));
    const worstGap = Math.max(...kills.map((k) => k.survivorGapMs));
    const worstGapBefore = Math.max(...kills.map((k) => k.survivorGapBeforeMs));
    const markdown = [
      `${SENDERS.length} senders on an emulated Plus worker, MESSAGE_DELAY ${MESSAGE_DELAY_S} s, a campaign of ${PER_SENDER.toLocaleString('en')}`,
      `messages each, ${DISPATCHERS} dispatcher child processes with the default settings (LEASE_SECONDS 5, renewed by`,
      'a heartbeat every 5/3 s; sweep every 5/3 s ± 20%; poll 0.5 s). Each holds its fair share of the senders.',
      `${KILLS} times: the dispatcher holding the most senders gets SIGKILL; measured from the kill to the first`,
      'claim (`sending_at`) of each of its senders by another dispatcher, and the largest gap between two claims of',
      'any sender the survivors held, from the kill until 2 s after the last resumption (beside the same gap in the',
      '3 s before the kill); then a replacement starts. Afterwards no recipient may have received a message twice.',
      '',
      table(
        [
          'kill',
          'victim (senders) / survivors',
          'lease left at kill',
          'lost in flight (UNKNOWN)',
          "victim's senders resume after",
          "survivors' largest gap (before)",
        ],
        kills.map((k, i) => [
          String(i + 1),
          `${k.victim} (${k.victimSenders}) / ${k.survivorSenders}`,
          fmtMs(k.leaseLeftMs),
          String(k.unknown),
          `${fmtMs(k.resumeMinMs)}–${fmtMs(k.resumeMaxMs)}`,
          `${fmtMs(k.survivorGapMs)} (${fmtMs(k.survivorGapBeforeMs)})`,
        ]),
      ),
    ].join('\n');
    return {
      markdown,
      reading:
        `The killed dispatcher's senders resumed at most ${fmtMs(worst)} after the kill ` +
        `(${worst <= RESUME_BOUND_MS ? 'within' : 'beyond'} the ${RESUME_BOUND_MS / 1000} s target: the lease left, ` +
        'at most 5 s since the heartbeat renews it every 5/3 s, plus one sweep and one poll); the survivors kept ' +
        `sending throughout: their largest gap between two sends across the kill, ${fmtMs(worstGap)} ` +
        `(MESSAGE_DELAY ${MESSAGE_DELAY_S * 1000} ms), is what it was in the seconds before it ` +
        `(${fmtMs(worstGapBefore)}): the machine's load, not the kill. The messages in flight at the ` +
        'kill are UNKNOWN (DISPATCHER_LOST), none sent twice.',
      summary: [
        `kill -9 with defaults: killed dispatcher's senders resume ≤ ${fmtMs(worst)}; survivors' largest gap ${fmtMs(worstGap)}`,
      ],
      problems,
    };
  },
};
