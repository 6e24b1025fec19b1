import { setTimeout as sleep } from 'node:timers/promises';
import { createWahaClient } from '@herald/waha';
import type { AcceptedMessage } from '@herald/waha-emulator';
import type { DirectTarget } from './waha-direct.ts';

/** The direct pacer's recipients: `2169 9…`, apart from every scenario's own (`2169 0…`). */
const DIRECT_RECIPIENTS_FROM = 21_699_000_000;
const DIRECT_PREFIX = String(DIRECT_RECIPIENTS_FROM).slice(0, 5);

/** Whether the direct pacer sent this message (by its recipient). */
export const sentDirectly = (message: AcceptedMessage) => message.chatId.startsWith(DIRECT_PREFIX);

/**
 * The floor of pacing on this machine, measured in the same run: each of `senders` sends
 * `perSender` texts straight to its worker through Herald's own WAHA client, each `delayMs` after
 * the previous call returned, all starting at once, from this process, which does nothing else:
 * no database, no queue, no claims, exact timers. Its gaps at the emulator are what the machine,
 * Node and the emulator add by themselves at the same offered rate.
 */
export async function paceDirectly(
  target: DirectTarget,
  senders: readonly string[],
  perSender: number,
  delayMs: number,
): Promise<void> {
  const clients = new Map(
    target.workers.map((worker) => [
      worker,
      createWahaClient({ baseUrl: worker.url, apiKey: worker.apiKey }),
    ]),
  );
  const workerOf = new Map(
    target.workers.flatMap((worker) => worker.sessions.map((session) => [session, worker])),
  );
  const pace = async (session: string, i: number) => {
    const worker = workerOf.get(session);
    const client = worker && clients.get(worker);
    if (!client) throw new Error(`no emulated worker has the session ${session}`);
    for (let k = 0; k < perSender; k += 1) {
      const chatId = `${DIRECT_RECIPIENTS_FROM + i * perSender + k}@c.us`;
      await client.sendText({ session, chatId, text: 'Hello from the direct pacer' });
      if (k + 1 < perSender) await sleep(delayMs);
    }
  };
  try {
    await Promise.all(senders.map(pace));
  } finally {
    await Promise.all([...clients.values()].map((client) => client.close()));
  }
}
