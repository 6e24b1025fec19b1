import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Message } from '@herald/db';
import {
  campaignMessages,
  countersAndRows,
  digitsOf,
  freePort,
  PROCESS_START_MS,
  type RunningProcess,
  recipients,
  setDelaySettings,
  startTsProcess,
  waitFor,
  waitForCampaignDone,
  waitUntilReady,
} from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import { createHarness, type Harness } from './harness.ts';

// Pause, resume, cancel and scheduled starts with real processes: the gateway and two (then
// more) dispatchers as deployed, the emulator in this process, whose log of accepted messages
// is the ground truth of what was sent. Sends go one at a time per sender, each held 40 ms by
// the emulator, so a control usually lands while a message is in flight.

const POLL_MS = 250;
const DISPATCHER_ENV = { POLL_INTERVAL_MS: String(POLL_MS), CONCURRENCY: '4' };
const PAUSED_SENDER = '21620000601';
const CANCELLED_SENDER = '21620000602';
const SCHEDULED_SENDER = '21620000603';

describe('campaign controls with real processes', () => {
  let h: Harness;
  let emulator: RunningEmulator;
  let gatewayUrl: string;
  const ids = new Map<RunningProcess, string>();
  const dispatchers: RunningProcess[] = [];
  let started = 0;
  let gatewayProcess: RunningProcess | undefined;

  /** Starts still under way: the harness kills a process only once it is ready. */
  const starting: Promise<unknown>[] = [];
  const startDispatcher = () => {
    const id = `ctl-${++started}`;
    const start = h.process(id, DISPATCHER_ENV).then((child) => {
      ids.set(child, id);
      dispatchers.push(child);
      return child;
    });
    starting.push(start);
    return start;
  };

  before(async () => {
    h = await createHarness();
    await setDelaySettings(h.db, { messageDelay: 0, senderSwitchDelay: 0 });
    emulator = await h.emulator({ tier: 'PLUS' });
    emulator.setFaults({ latencyMs: 40 });
    for (const sender of [PAUSED_SENDER, CANCELLED_SENDER, SCHEDULED_SENDER]) {
      await h.connectSender(emulator, sender);
    }
    const port = await freePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    const gateway = startTsProcess('apps/api/src/main.ts', {
      DATABASE_URL: h.database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_API_KEY: 'controls-admin-key-0123456789',
      MESSAGE_DELAY: '0',
      SENDER_SWITCH_DELAY: '0',
      LOG_FILE: '',
      LOG_LEVEL: 'warn',
    });
    gatewayProcess = gateway;
    await Promise.all([
      waitUntilReady(gateway, 'the gateway', () => isUp(gatewayUrl), PROCESS_START_MS),
      startDispatcher(),
      startDispatcher(),
    ]);
  });
  after(async () => {
    await Promise.allSettled(starting);
    await gatewayProcess?.kill();
    await h.close();
  });

  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${gatewayUrl}${path}`, {
      method: 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: assertions read the body field by field
    return { status: res.status, body: (await res.json()) as any };
  };
  const submit = async (sender: string, to: string[], extra: Record<string, unknown> = {}) => {
    const res = await post('/api/send', {
      sender_number: sender,
      template: 'hi',
      recipients: to,
      ...extra,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: number; status: string; send_at: string | null };
  };
  const controlOf = (sender: string, id: number, action: string) =>
    post(`/api/campaigns/${id}/${action}?sender_number=${sender}`);

  const rowsOf = (id: number) => campaignMessages(h.db, id);
  const sentCount = async (id: number) =>
    (await rowsOf(id)).filter((m) => m.status === 'SENT').length;
  const claimedIds = (rows: Message[]) =>
    rows.filter((m) => m.status !== 'PENDING' && m.status !== 'CANCELLED').map((m) => m.id);
  /** How many times the emulator accepted a message for each of these recipients. */
  const receivedBy = (to: readonly string[]) => {
    const wanted = new Set(to);
    const counts = new Map<string, number>();
    for (const m of emulator.messages()) {
      const r = digitsOf(m.chatId);
      if (wanted.has(r)) counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    return counts;
  };
  /** The dispatcher process holding the sender's lease right now. */
  const leaseHolder = async (sender: string) =>
    waitFor(
      async () => {
        const row = await h.db
          .selectFrom('senders')
          .select('lease_owner')
          .where('phone_number', '=', sender)
          .executeTakeFirstOrThrow();
        const id = row.lease_owner?.split(':')[0];
        return (
          dispatchers.find(
            (d) => ids.get(d) === id && d.child.exitCode === null && d.child.signalCode === null,
          ) ?? null
        );
      },
      { what: `a dispatcher holding ${sender}`, intervalMs: 5 },
    );

  it('pause stops claims at once, other campaigns go on, a SIGKILL changes nothing, resume skips and repeats nobody', async () => {
    const first = recipients(21671000000, 80);
    const second = recipients(21672000000, 40);
    const paused = await submit(PAUSED_SENDER, first);
    const other = await submit(PAUSED_SENDER, second);
    await waitFor(async () => (await sentCount(paused.id)) >= 10, {
      timeoutMs: 120_000,
      what: 'the first sends',
    });

    const res = await controlOf(PAUSED_SENDER, paused.id, 'pause');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'PAUSED');
    const atPause = await rowsOf(paused.id);
    const claimedAtPause = claimedIds(atPause);
    assert.ok(
      atPause.filter((m) => m.status === 'SENDING').length <= 1,
      'at most one message in flight',
    );
    assert.ok(claimedAtPause.length < first.length, 'the pause landed before the end');

    // The sender's other campaign goes on while this one is paused.
    await waitFor(async () => (await sentCount(other.id)) >= 10, {
      timeoutMs: 120_000,
      what: 'the other campaign to go on',
    });
    // A dispatcher dies with the sender's lease; the other takes the sender over after the lease.
    const victim = await leaseHolder(PAUSED_SENDER);
    await victim.kill();
    assert.equal(victim.child.signalCode, 'SIGKILL');
    const replacement = startDispatcher();
    await waitForCampaignDone(h.db, other.id, 240_000);

    // Nothing of the paused campaign was claimed after the pause returned.
    assert.deepEqual(claimedIds(await rowsOf(paused.id)), claimedAtPause);
    const receivedWhilePaused = receivedBy(first);
    assert.ok(receivedWhilePaused.size <= claimedAtPause.length);

    const resumed = await controlOf(PAUSED_SENDER, paused.id, 'resume');
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.equal(resumed.body.status, 'IN_PROGRESS');
    const done = await waitForCampaignDone(h.db, paused.id, 240_000);
    assert.equal(done.status, 'COMPLETED');
    const received = receivedBy(first);
    assert.deepEqual(
      first.filter((r) => received.get(r) !== 1),
      [],
      'every recipient got the message exactly once',
    );
    const { counters, rows } = await countersAndRows(h.db, done);
    assert.deepEqual(counters, rows);
    await replacement;
  });

  it('cancel leaves nothing sent after it returns but the message in flight', async () => {
    const to = recipients(21673000000, 80);
    const campaign = await submit(CANCELLED_SENDER, to);
    await waitFor(async () => (await sentCount(campaign.id)) >= 10, {
      timeoutMs: 120_000,
      what: 'the first sends',
    });

    const res = await controlOf(CANCELLED_SENDER, campaign.id, 'cancel');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'CANCELLED');
    const atCancel = await rowsOf(campaign.id);
    const claimed = claimedIds(atCancel);
    const inFlight = atCancel.filter((m) => m.status === 'SENDING');
    assert.ok(inFlight.length <= 1, 'at most one message in flight');
    assert.equal(res.body.cancelled_messages, to.length - claimed.length);

    // The message in flight ends as WAHA answers, and the campaign stays CANCELLED.
    await waitFor(async () => (await rowsOf(campaign.id)).every((m) => m.status !== 'SENDING'), {
      what: 'the message in flight to end',
    });
    const after = await rowsOf(campaign.id);
    for (const m of inFlight) assert.equal(after.find((a) => a.id === m.id)?.status, 'SENT');
    assert.deepEqual(claimedIds(after), claimed);
    const claimedRecipients = new Set(
      after.filter((m) => claimed.includes(m.id)).map((m) => m.recipient),
    );
    const received = receivedBy(to);
    assert.deepEqual(
      [...received.keys()].filter((r) => !claimedRecipients.has(r)),
      [],
      'nobody outside the claimed messages received anything',
    );
    const final = await h.db
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', campaign.id)
      .executeTakeFirstOrThrow();
    assert.equal(final.status, 'CANCELLED');
    const { counters, rows } = await countersAndRows(h.db, final);
    assert.deepEqual(counters, rows);
  });

  it('a scheduled campaign sends nothing early, survives a SIGKILL, and starts within a poll interval', async (t) => {
    const to = recipients(21674000000, 5);
    const { now } = await h.db
      .selectNoFrom((eb) => eb.fn<Date>('now').as('now'))
      .executeTakeFirstOrThrow();
    const sendAt = new Date(now.getTime() + 5000);
    const campaign = await submit(SCHEDULED_SENDER, to, { send_at: sendAt.toISOString() });
    assert.equal(campaign.status, 'SCHEDULED');
    // A restart while it waits: one dispatcher dies, another starts.
    const living = dispatchers.filter(
      (d) => d.child.exitCode === null && d.child.signalCode === null,
    );
    await living[0]?.kill();
    const replacement = startDispatcher();

    const done = await waitForCampaignDone(h.db, campaign.id, 240_000);
    await replacement;
    const accepted = emulator.messages().filter((m) => to.includes(digitsOf(m.chatId)));
    assert.equal(accepted.length, to.length);
    const firstAccepted = Math.min(...accepted.map((m) => Date.parse(m.acceptedAt)));
    assert.ok(firstAccepted >= sendAt.getTime(), 'nothing was sent before send_at');
    assert.ok(done.started_at, 'it started');
    const lateMs = done.started_at.getTime() - sendAt.getTime();
    t.diagnostic(`first claim ${lateMs} ms after send_at (poll interval ${POLL_MS} ms)`);
    assert.ok(lateMs >= 0, 'no claim before send_at');
    // The start task runs every poll interval (±20%) and the turn it queues is fetched within
    // one more consumer poll; the slack is for this shared, heavily loaded machine (a campaign
    // left to anything but the start task would never start, and this would time out).
    assert.ok(lateMs <= 2.4 * POLL_MS + 1500, `started ${lateMs} ms after send_at`);
  });
});

async function isUp(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).status === 200;
  } catch {
    return false;
  }
}
