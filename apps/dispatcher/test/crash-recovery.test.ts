import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  countersAndRows,
  digitsOf,
  enqueueTurn,
  makeCampaign,
  type RunningProcess,
  recipients,
  setDelaySettings,
  turnJobs,
  waitFor,
  waitForCampaignDone,
} from '@herald/testing';
import { createHarness, type Harness } from './harness.ts';

const KILLS = 4;
const SENDERS = ['21620000301', '21620000302', '21620000303'];
const PER_SENDER = 100;

describe('dispatchers killed mid-send', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
  });
  after(() => h.close());

  it('lose their senders to the others after the lease, and nothing is sent twice', async () => {
    const emulator = await h.emulator({ tier: 'PLUS' });
    for (const sender of SENDERS) await h.connectSender(emulator, sender);
    emulator.setFaults({ latencyMs: 30 });
    // One sender per process at a time: a kill strands exactly the message it holds in flight.
    // The send timeout leaves the test ample time to kill inside a held call (see below).
    const env = {
      LEASE_SECONDS: '4',
      SEND_TIMEOUT_MS: '3000',
      TURN_SECONDS: '1',
      CONCURRENCY: '1',
    };
    let generation = 0;
    const ids = new Map<RunningProcess, string>();
    const alive: RunningProcess[] = [];
    // A replacement joins `alive` once it is ready; the kills do not wait for it, or the others
    // could finish the campaign while a replacement compiles on a loaded machine.
    const start = () => {
      const id = `crash-${++generation}`;
      return h.process(id, env).then((process) => {
        ids.set(process, id);
        alive.push(process);
      });
    };
    await Promise.all([start(), start(), start()]);
    const replacements: Promise<void>[] = [];
    const heldRecipients: string[] = [];

    const campaigns = [];
    for (const [index, sender] of SENDERS.entries()) {
      const to = recipients(21670000000 + index * 1000, PER_SENDER);
      campaigns.push(
        await makeCampaign(h.db, { sender, recipients: to, body: `hello from ${sender}` }),
      );
      await enqueueTurn(h.boss, sender);
    }
    const sentSoFar = async () =>
      Number(
        (
          await h.db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('status', '=', 'SENT')
            .executeTakeFirstOrThrow()
        ).n,
      );

    for (let kill = 0; kill < KILLS; kill += 1) {
      const progress = await sentSoFar();
      await waitFor(async () => (await sentSoFar()) >= progress + 10, {
        timeoutMs: 60_000,
        what: 'progress between kills',
      }).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n${await describeState(h, alive)}`);
      });
      // The kill lands inside a WAHA call by construction: the emulator accepts one chosen
      // message and never answers, so its dispatcher waits in that call until it is killed.
      const held = await nextButTwoPending(h);
      heldRecipients.push(held.recipient);
      emulator.setFaults({ failNextSends: { with: 'timeout', to: held.recipient } });
      const { victim } = await waitFor(
        async () => {
          if (!emulator.messages().some((m) => digitsOf(m.chatId) === held.recipient)) return null;
          const row = await h.db
            .selectFrom('messages')
            .select(['status', 'claimed_by'])
            .where('id', '=', held.id)
            .executeTakeFirstOrThrow();
          const owner = row.claimed_by?.split(':')[0];
          const process = alive.find((p) => ids.get(p) === owner);
          return row.status === 'SENDING' && process ? { victim: process } : null;
        },
        { timeoutMs: 30_000, intervalMs: 2, what: `the held send to ${held.recipient}` },
      );
      alive.splice(alive.indexOf(victim), 1);
      await victim.kill();
      assert.equal(victim.child.signalCode, 'SIGKILL');
      replacements.push(start());
    }
    await Promise.all(replacements);

    for (const campaign of campaigns) await waitForCampaignDone(h.db, campaign.id, 180_000);

    const rows = await h.db.selectFrom('messages').selectAll().orderBy('id').execute();
    assert.equal(rows.length, SENDERS.length * PER_SENDER);
    assert.deepEqual(
      rows.filter((r) => r.status === 'PENDING' || r.status === 'SENDING'),
      [],
    );
    const received = emulator.messages();
    const receivedIds = new Map(received.map((m) => [m.id, m]));
    const perRecipient = new Map<string, number>();
    for (const m of received)
      perRecipient.set(digitsOf(m.chatId), (perRecipient.get(digitsOf(m.chatId)) ?? 0) + 1);
    const twice = [...perRecipient].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'no recipient received a message twice');

    const unknown = rows.filter((r) => r.status === 'UNKNOWN');
    for (const row of rows) {
      if (row.status === 'SENT') {
        const got = receivedIds.get(row.waha_message_id ?? '');
        assert.ok(got, `SENT message ${row.id} is in the emulator's log`);
        assert.equal(digitsOf(got.chatId), row.recipient);
      }
      // Whatever WAHA received is SENT, or UNKNOWN (the kill came before the answer was recorded).
      if (perRecipient.has(row.recipient))
        assert.ok(row.status === 'SENT' || row.status === 'UNKNOWN');
    }
    assert.deepEqual(
      rows.filter((r) => r.status === 'FAILED'),
      [],
    );
    // Each kill stranded exactly its held message, which the next dispatcher gave up as UNKNOWN.
    assert.deepEqual(unknown.map((r) => r.recipient).sort(), [...heldRecipients].sort());
    for (const row of unknown) assert.equal(row.error_code, 'DISPATCHER_LOST');
    for (const campaign of campaigns) {
      const done = await waitForCampaignDone(h.db, campaign.id);
      const { counters, rows: counted } = await countersAndRows(h.db, done);
      assert.deepEqual(counters, counted);
    }
  });
});

/**
 * A message the dispatchers will send soon but cannot have started yet: the third oldest PENDING
 * message of the sender with the most left (sends go in id order, one at a time per sender).
 */
async function nextButTwoPending(h: Harness): Promise<{ id: number; recipient: string }> {
  const { sender_number } = await h.db
    .selectFrom('messages')
    .select(['sender_number', (eb) => eb.fn.countAll().as('left')])
    .where('status', '=', 'PENDING')
    .groupBy('sender_number')
    .orderBy('left', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return h.db
    .selectFrom('messages')
    .select(['id', 'recipient'])
    .where('sender_number', '=', sender_number)
    .where('status', '=', 'PENDING')
    .orderBy('id')
    .offset(2)
    .limit(1)
    .executeTakeFirstOrThrow();
}

/** What the ledger, the leases and the dispatchers say, for a failure message. */
async function describeState(h: Harness, alive: RunningProcess[]): Promise<string> {
  const statuses = await h.db
    .selectFrom('messages')
    .select(['status', (eb) => eb.fn.countAll().as('n')])
    .groupBy('status')
    .execute();
  const senders = await h.db
    .selectFrom('senders')
    .select(['phone_number', 'lease_owner', 'lease_expires_at', 'next_send_at'])
    .execute();
  const jobs = (await turnJobs(h.boss))
    .filter((job) => job.state !== 'completed')
    .map(({ singletonKey, state, startAfter, retryCount }) => ({
      singletonKey,
      state,
      startAfter,
      retryCount,
    }));
  const logs = alive.map((p) => p.output().split('\n').slice(-15).join('\n'));
  return [
    `messages: ${JSON.stringify(statuses)}`,
    `senders: ${JSON.stringify(senders)}`,
    `turn jobs: ${JSON.stringify(jobs)}`,
    `now: ${new Date().toISOString()}`,
    ...logs.map((log, i) => `--- dispatcher ${i + 1}\n${log}`),
  ].join('\n');
}
