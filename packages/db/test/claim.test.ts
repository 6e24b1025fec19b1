import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { claimMessages } from '../src/queries/dispatch.ts';
import { recordSentMany } from '../src/queries/record-sent.ts';
import { findOverdueSenders } from '../src/queries/recovery.ts';
import {
  createTestDatabase,
  makeCampaign,
  makeConnectedSender,
  makeWorker,
  setDelaySettings,
  type TestDatabase,
} from '../src/testing/index.ts';
import {
  campaignRow,
  claim,
  claimMessage,
  counters,
  lastSentSecondsAgo,
  messageRow,
  nextSender,
  takeLease,
  senderWithCampaign as withCampaign,
  workerRow,
} from './support.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
  await setDelaySettings(t.db, { messageDelay: 0, senderSwitchDelay: 0 });
});
after(() => t.drop());

const senderWithCampaign = (recipients = 2) => withCampaign(t.db, recipients);

const switchDelayOf = (phone: string, seconds: number) =>
  t.db
    .updateTable('senders')
    .set({ sender_switch_delay: seconds })
    .where('phone_number', '=', phone)
    .execute();

describe('claiming the next message', () => {
  it("takes the sender's oldest PENDING message to SENDING and marks the worker busy with it", async () => {
    const { phone, worker, campaign } = await senderWithCampaign(2);
    // The worker's in-flight marker is what a sender-switch delay reads.
    await switchDelayOf(phone, 5);
    const lease = await takeLease(t.db, phone);
    const claimed = await claimMessage(t.db, lease);
    assert.equal(claimed.message.id, campaign.messageIds[0]);
    assert.equal(claimed.message.attempts, 1);
    assert.deepEqual(claimed.target, {
      workerId: worker.id,
      url: worker.url,
      apiKey: worker.api_key,
      tier: 'PLUS',
      wahaSession: phone,
    });
    const message = await messageRow(t.db, claimed.message.id);
    assert.equal(message.status, 'SENDING');
    assert.equal(message.claimed_by, lease.owner);
    assert.ok(message.sending_at);
    assert.deepEqual(await counters(t.db, campaign.id), {
      pending: 1,
      sending: 1,
      sent: 0,
      failed: 0,
      unknown: 0,
    });
    const started = await campaignRow(t.db, campaign.id);
    assert.equal(started.status, 'IN_PROGRESS');
    assert.ok(started.started_at);
    const busy = await workerRow(t.db, worker.id);
    assert.equal(busy.inflight_sender_number, phone);
    assert.ok(busy.inflight_until && busy.inflight_until > claimed.now);
  });

  it("leaves the worker's row alone without a sender-switch delay", async () => {
    const { phone, worker } = await senderWithCampaign(1);
    const lease = await takeLease(t.db, phone);
    const claimed = await claimMessage(t.db, lease);
    assert.equal(claimed.pacesWorker, false);
    const idle = await workerRow(t.db, worker.id);
    assert.deepEqual([idle.inflight_sender_number, idle.inflight_until], [null, null]);
  });

  it('reports a lease that is not ours, or that lapsed, as lost', async () => {
    const { phone } = await senderWithCampaign(1);
    const lease = await takeLease(t.db, phone);
    assert.deepEqual(await claim(t.db, { ...lease, owner: 'someone-else' }), { kind: 'lost' });
    await sql`UPDATE senders SET lease_expires_at = now() WHERE phone_number = ${phone}`.execute(
      t.db,
    );
    assert.deepEqual(await claim(t.db, lease), { kind: 'lost' });
  });

  it('pauses a sender that cannot send, saying why', async () => {
    const { phone, worker } = await senderWithCampaign(1);
    const lease = await takeLease(t.db, phone);
    const pausedFor = async () => {
      const result = await claim(t.db, lease);
      return result.kind === 'paused' ? [result.reason, result.sessionStatus] : result.kind;
    };
    await t.db.updateTable('workers').set({ healthy: false }).where('id', '=', worker.id).execute();
    assert.deepEqual(await pausedFor(), ['WORKER_UNHEALTHY', 'CONNECTED']);
    await t.db.updateTable('workers').set({ enabled: false }).where('id', '=', worker.id).execute();
    assert.deepEqual(await pausedFor(), ['WORKER_DISABLED', 'CONNECTED']);
    await t.db
      .updateTable('sessions')
      .set({ worker_id: null })
      .where('phone_number', '=', phone)
      .execute();
    assert.deepEqual(await pausedFor(), ['NO_WORKER', 'CONNECTED']);
    await t.db
      .updateTable('sessions')
      .set({ status: 'DISCONNECTED', worker_id: worker.id })
      .where('phone_number', '=', phone)
      .execute();
    assert.deepEqual(await pausedFor(), ['SESSION_NOT_CONNECTED', 'DISCONNECTED']);
    await t.db.deleteFrom('sessions').where('phone_number', '=', phone).execute();
    assert.deepEqual(await pausedFor(), ['NO_SESSION', null]);
  });

  it('finds nothing to send once every message is claimed', async () => {
    const { phone } = await senderWithCampaign(1);
    const lease = await takeLease(t.db, phone);
    await claimMessage(t.db, lease);
    assert.deepEqual(await claim(t.db, lease), { kind: 'empty' });
  });
});

describe("a sender's pacing", () => {
  async function senderWithDelay(messageDelay: number | null) {
    const sender = await senderWithCampaign(1);
    await t.db
      .updateTable('senders')
      .set({ message_delay: messageDelay })
      .where('phone_number', '=', sender.phone)
      .execute();
    return { ...sender, lease: await takeLease(t.db, sender.phone) };
  }

  it('lets a sender that never sent go at once, whatever its delay', async () => {
    const { lease } = await senderWithDelay(60);
    assert.equal((await claim(t.db, lease)).kind, 'claimed');
  });

  it('holds a sender until its MESSAGE_DELAY after the end of its last call', async () => {
    const { phone, lease } = await senderWithDelay(1.5);
    await lastSentSecondsAgo(t.db, phone, 1);
    const { last_sent_at } = await t.db
      .selectFrom('senders')
      .select('last_sent_at')
      .where('phone_number', '=', phone)
      .executeTakeFirstOrThrow();
    const waiting = await claim(t.db, lease);
    assert.equal(waiting.kind, 'wait');
    if (waiting.kind !== 'wait' || !last_sent_at) return;
    assert.equal(waiting.reason, 'MESSAGE_DELAY');
    const due = last_sent_at.getTime() + 1500;
    assert.ok(
      waiting.until.getTime() >= due && waiting.until.getTime() <= due + 1,
      'due to the ms',
    );
    await lastSentSecondsAgo(t.db, phone, 1.6);
    assert.equal((await claim(t.db, lease)).kind, 'claimed');
  });

  it('claims a sender due within `aheadSeconds`, SENDING from its due time', async () => {
    const { phone, lease } = await senderWithDelay(1.5);
    await lastSentSecondsAgo(t.db, phone, 1.2);
    const ahead = (aheadSeconds: number) =>
      t.db.transaction().execute((trx) => claimMessages(trx, [lease], { aheadSeconds }));
    const [early] = await ahead(0.1);
    assert.equal(early?.kind, 'wait', 'due in 0.3 s: not within 0.1 s');
    const [claimed] = await ahead(0.5);
    if (claimed?.kind !== 'claimed') throw new Error(`expected a claim: ${claimed?.kind}`);
    assert.ok(claimed.sendableAt > claimed.now, 'sendable only from the due time');
    const { sending_at } = await t.db
      .selectFrom('messages')
      .select('sending_at')
      .where('id', '=', claimed.message.id)
      .executeTakeFirstOrThrow();
    assert.equal(sending_at?.getTime(), claimed.sendableAt.getTime());
  });

  it("paces the next send from the call's return, or from the record if that is sooner", async () => {
    for (const returnedSecondsAgo of [0.5, -5]) {
      const { phone, lease } = await senderWithDelay(1);
      const claimed = await claimMessage(t.db, lease);
      const returnedAt = new Date(Date.now() - returnedSecondsAgo * 1000);
      const before = new Date();
      await recordSentMany(t.db, [
        {
          messageId: claimed.message.id,
          senderNumber: phone,
          workerId: claimed.target.workerId,
          owner: lease.owner,
          wahaMessageId: 'true_1@c.us_A',
          jitterSeconds: 0,
          pacesWorker: false,
          returnedAt,
        },
      ]);
      const { last_sent_at } = await t.db
        .selectFrom('senders')
        .select('last_sent_at')
        .where('phone_number', '=', phone)
        .executeTakeFirstOrThrow();
      const expected = returnedSecondsAgo > 0 ? returnedAt.getTime() : before.getTime();
      assert.ok(
        Math.abs((last_sent_at?.getTime() ?? 0) - expected) < 250,
        `returned ${returnedSecondsAgo} s ago: paced from ${last_sent_at?.toISOString()}`,
      );
    }
  });

  it('takes the global delay when the sender has no override, read at every claim', async () => {
    const { phone, lease } = await senderWithDelay(null);
    await lastSentSecondsAgo(t.db, phone, 1);
    await setDelaySettings(t.db, { messageDelay: 5, senderSwitchDelay: 0 });
    try {
      assert.equal((await claim(t.db, lease)).kind, 'wait');
      await setDelaySettings(t.db, { messageDelay: 0.5, senderSwitchDelay: 0 });
      assert.equal((await claim(t.db, lease)).kind, 'claimed', 'a lowered delay applies at once');
    } finally {
      await setDelaySettings(t.db, { messageDelay: 0, senderSwitchDelay: 0 });
    }
  });

  it('holds a retry for its backoff when that ends after the delay', async () => {
    const { phone, lease } = await senderWithDelay(0.5);
    // The last call ended a second ago and its outcome set a floor three seconds from now.
    await lastSentSecondsAgo(t.db, phone, 1, -3);
    const waiting = await claim(t.db, lease);
    assert.equal(waiting.kind === 'wait' && waiting.reason, 'RETRY_BACKOFF');
  });

  it('waits SENDER_SWITCH_DELAY after another sender used the worker', async () => {
    const worker = await makeWorker(t.db);
    const phone = nextSender();
    await makeConnectedSender(t.db, phone, { worker });
    await makeCampaign(t.db, { sender: phone, recipients: ['21698200001'], body: 'Hi' });
    await t.db
      .updateTable('senders')
      .set({ sender_switch_delay: 30 })
      .where('phone_number', '=', phone)
      .execute();
    await sql`UPDATE workers SET last_sender_number = '21600000000', last_send_done_at = now()
              WHERE id = ${worker.id}`.execute(t.db);
    const lease = await takeLease(t.db, phone);
    const waiting = await claim(t.db, lease);
    assert.equal(waiting.kind === 'wait' && waiting.reason, 'SENDER_SWITCH');
  });
});

describe('the recovery sweep and the claim', () => {
  it('agree on which idle senders are due: the sweep resumes exactly those a claim would not hold', async () => {
    // Due or not by a wide margin either way, through each part of the due time.
    const cases = [
      { delay: 2, lastAgo: 60, floorAgo: 60, due: true },
      { delay: 120, lastAgo: 60, floorAgo: 60, due: false },
      { delay: null, lastAgo: 60, floorAgo: 60, due: true },
      { delay: 2, lastAgo: 60, floorAgo: -60, due: false },
      { delay: 2, lastAgo: 60, floorAgo: 30, due: true },
    ];
    const phones: string[] = [];
    await setDelaySettings(t.db, { messageDelay: 30, senderSwitchDelay: 0 });
    try {
      for (const c of cases) {
        const { phone } = await senderWithCampaign(1);
        await t.db
          .updateTable('senders')
          .set({ message_delay: c.delay })
          .where('phone_number', '=', phone)
          .execute();
        await lastSentSecondsAgo(t.db, phone, c.lastAgo, c.floorAgo);
        phones.push(phone);
      }
      const overdue = new Set(await findOverdueSenders(t.db, { graceSeconds: 0, limit: 1000 }));
      for (const [index, phone] of phones.entries()) {
        const claimed = (await claim(t.db, await takeLease(t.db, phone))).kind === 'claimed';
        assert.equal(overdue.has(phone), claimed, `case ${index}: sweep and claim agree`);
        assert.equal(claimed, cases[index]?.due, `case ${index}: due as expected`);
      }
    } finally {
      await setDelaySettings(t.db, { messageDelay: 0, senderSwitchDelay: 0 });
    }
  });

  it('leaves alone a sender whose lease is held, or that cannot send', async () => {
    const held = await senderWithCampaign(1);
    await takeLease(t.db, held.phone);
    const paused = await senderWithCampaign(1);
    await t.db
      .updateTable('workers')
      .set({ healthy: false })
      .where('id', '=', paused.worker.id)
      .execute();
    for (const phone of [held.phone, paused.phone]) await lastSentSecondsAgo(t.db, phone, 60);
    const overdue = await findOverdueSenders(t.db, { graceSeconds: 0, limit: 1000 });
    assert.ok(!overdue.includes(held.phone));
    assert.ok(!overdue.includes(paused.phone));
  });
});
