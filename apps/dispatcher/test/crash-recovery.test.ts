import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  enqueueTurn,
  makeCampaign,
  type RunningProcess,
  setDelaySettings,
  waitFor,
} from '@herald/testing';
import { sql } from 'kysely';
import {
  countersAndRows,
  createHarness,
  digitsOf,
  type Harness,
  recipients,
  waitForCampaignDone,
} from './harness.ts';

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
    // Latency keeps each send in flight long enough for a kill to land inside it.
    emulator.setFaults({ latencyMs: 30 });
    // One sender per process at a time: a kill can strand at most one message in flight.
    const env = {
      LEASE_SECONDS: '2',
      SEND_TIMEOUT_MS: '1000',
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
      // The victim is caught with a message committed as SENDING, i.e. around its WAHA call.
      const { victim } = await waitFor(
        async () => {
          for (const process of alive) {
            const row = await h.db
              .selectFrom('messages')
              .select('id')
              .where('status', '=', 'SENDING')
              .where('claimed_by', 'like', `${ids.get(process)}:%`)
              .executeTakeFirst();
            if (row) return { victim: process };
          }
          return null;
        },
        { timeoutMs: 30_000, intervalMs: 2, what: 'a dispatcher with a message in flight' },
      );
      alive.splice(alive.indexOf(victim), 1);
      await victim.kill();
      assert.equal(victim.child.signalCode, 'SIGKILL');
      replacements.push(start());
    }
    await Promise.all(replacements);

    for (const campaign of campaigns) await waitForCampaignDone(h.db, campaign.id, 90_000);

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
    assert.ok(unknown.length >= 1, 'a kill mid-send leaves an UNKNOWN');
    assert.ok(unknown.length <= KILLS, `at most one UNKNOWN per kill (${unknown.length})`);
    for (const row of unknown) assert.equal(row.error_code, 'DISPATCHER_LOST');
    for (const campaign of campaigns) {
      const done = await waitForCampaignDone(h.db, campaign.id);
      const { counters, rows: counted } = await countersAndRows(h.db, done);
      assert.deepEqual(counters, counted);
    }
  });
});

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
  const jobs = await sql`
    SELECT singleton_key, state, start_after, retry_count FROM pgboss.job
    WHERE name = 'sender-turn' AND state < 'completed' ORDER BY created_on`.execute(h.db);
  const logs = alive.map((p) => p.output().split('\n').slice(-15).join('\n'));
  return [
    `messages: ${JSON.stringify(statuses)}`,
    `senders: ${JSON.stringify(senders)}`,
    `turn jobs: ${JSON.stringify(jobs.rows)}`,
    `now: ${new Date().toISOString()}`,
    ...logs.map((log, i) => `--- dispatcher ${i + 1}\n${log}`),
  ].join('\n');
}
