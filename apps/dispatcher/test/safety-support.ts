import { readSendingState, type SendingState } from '@herald/db';
import {
  enqueueTurn,
  makeCampaign,
  type RunningProcess,
  recipients,
  setDelaySettings,
  setSenderPolicy,
  waitFor,
} from '@herald/testing';
import type { AcceptedMessage, RunningEmulator } from '@herald/waha-emulator';
import { createHarness, type Harness } from './harness.ts';

// The world of the sender-safety tests: three dispatcher processes sharing Postgres, one
// emulated Plus worker, the policy off until a test sets its own.

export const MESSAGE_DELAY = 0.1;
export const ENV = { TURN_SECONDS: '2', LEASE_SECONDS: '4', SEND_TIMEOUT_MS: '3000' };

export const acceptedMs = (m: AcceptedMessage) => Date.parse(m.acceptedAt);
export const gapsMs = (sent: AcceptedMessage[]) =>
  sent.slice(1).map((m, i) => acceptedMs(m) - acceptedMs(sent[i] as AcceptedMessage));

export interface SafetyWorld {
  h: Harness;
  emulator: RunningEmulator;
  /** The dispatcher processes running now. */
  processes: RunningProcess[];
  /** What the emulator accepted from the sender, oldest first. */
  sentBy(sender: string): AcceptedMessage[];
  /** The sender's hand-offs to WAHA as the caps count them. */
  handOffs(sender: string): Promise<number>;
  /** A campaign of `count` recipients from `base`, and a turn for its sender. */
  start(sender: string, count: number, base: number): ReturnType<typeof makeCampaign>;
  /** Waits until the sender is held for `reason` and no turn holds its lease. */
  waitingOn(sender: string, reason: string): Promise<Extract<SendingState, { state: 'WAITING' }>>;
}

export async function createSafetyWorld(prefix: string): Promise<SafetyWorld> {
  const h = await createHarness();
  await setDelaySettings(h.db, { messageDelay: MESSAGE_DELAY, senderSwitchDelay: 0 });
  await setSenderPolicy(h.db, {});
  const emulator = await h.emulator({ tier: 'PLUS', ackDelaysMs: [50, 100, 150] });
  const processes: RunningProcess[] = [];
  for (const n of [1, 2, 3]) processes.push(await h.process(`${prefix}-${n}`, ENV));
  return {
    h,
    emulator,
    processes,
    sentBy: (sender) =>
      emulator
        .messages()
        .filter((m) => m.session === sender)
        .sort((a, b) => a.acceptedAt.localeCompare(b.acceptedAt)),
    async handOffs(sender) {
      const row = await h.db
        .selectFrom('sender_sends')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('sender_number', '=', sender)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async start(sender, count, base) {
      const campaign = await makeCampaign(h.db, {
        sender,
        recipients: recipients(base, count),
        body: `from ${sender}`,
      });
      await enqueueTurn(h.boss, sender);
      return campaign;
    },
    waitingOn: (sender, reason) =>
      waitFor(
        async () => {
          const state = await readSendingState(h.db, sender);
          const lease = await h.db
            .selectFrom('senders')
            .select('lease_owner')
            .where('phone_number', '=', sender)
            .executeTakeFirstOrThrow();
          return state?.state === 'WAITING' && state.reason === reason && !lease.lease_owner
            ? state
            : null;
        },
        { timeoutMs: 30_000, what: `${sender} to wait on ${reason}` },
      ),
  };
}
