import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { observeSession } from '@herald/db';
import type { SessionObservation } from '@herald/domain';
import {
  createTestDatabase,
  makeConnectedSender,
  type TestDatabase,
  waitFor,
} from '@herald/testing';
import { sql } from 'kysely';

let t: TestDatabase;

before(async () => {
  t = await createTestDatabase();
});

after(() => t.drop());

/** WAHA reads that the test answers when it chooses, one per call, in order. */
function heldReads() {
  const pending: ((observation: SessionObservation) => void)[] = [];
  return {
    read: () => new Promise<SessionObservation>((resolve) => pending.push(resolve)),
    count: () => pending.length,
    answer: (index: number, observation: SessionObservation) => pending[index]?.(observation),
  };
}

const working = (phone: string): SessionObservation => ({
  kind: 'seen',
  status: 'WORKING',
  me: { id: `${phone}@c.us`, pushName: 'Shop' },
});

const row = (phone: string) =>
  t.db
    .selectFrom('sessions')
    .selectAll()
    .where('phone_number', '=', phone)
    .executeTakeFirstOrThrow();

test('a live read holds no lock on the session row while WAHA answers, and a send recorded meanwhile is kept', async () => {
  const phone = '21650500001';
  await makeConnectedSender(t.db, phone);
  const reads = heldReads();
  const observing = observeSession(t.db, { phone }, reads.read, () => new Date());
  await waitFor(() => reads.count() === 1, { what: 'the first read' });

  // What the dispatcher does when it records a send; NOWAIT fails at once on a locked row.
  const sentAt = new Date();
  await t.db.transaction().execute(async (trx) => {
    await sql`SELECT 1 FROM sessions WHERE phone_number = ${phone} FOR UPDATE NOWAIT`.execute(trx);
    await trx
      .updateTable('sessions')
      .set({ device_active_at: sentAt, updated_at: sql`now()` })
      .where('phone_number', '=', phone)
      .execute();
  });

  const loggedOut: SessionObservation = { kind: 'seen', status: 'FAILED', me: null };
  reads.answer(0, loggedOut);
  // The row was written during the read, so it is read again before anything is applied.
  await waitFor(() => reads.count() === 2, { what: 'a second read' });
  reads.answer(1, loggedOut);
  assert.equal((await observing)?.status, 'EXPIRED');
  const after = await row(phone);
  assert.equal(after.status, 'EXPIRED');
  assert.deepEqual(after.device_active_at, sentAt, 'the send is kept');
});

test('a read overtaken by a newer state is made again instead of putting the older one back', {
  timeout: 20_000,
}, async () => {
  const phone = '21650500002';
  await makeConnectedSender(t.db, phone, { status: 'WAITING_FOR_SCAN' });
  await t.db
    .updateTable('sessions')
    .set({ connected_at: null, me_id: null })
    .where('phone_number', '=', phone)
    .execute();
  const reads = heldReads();
  const slow = observeSession(t.db, { phone }, reads.read, () => new Date());
  await waitFor(() => reads.count() === 1, { what: 'the slow read' });

  // A webhook read WAHA after the slow read began, and saw the scan.
  const newer = await observeSession(t.db, { phone }, async () => working(phone), new Date());
  assert.equal(newer?.status, 'CONNECTED');
  const connected = await row(phone);

  // The slow read answers with the QR it saw before the scan.
  reads.answer(0, { kind: 'seen', status: 'SCAN_QR_CODE', me: null });
  await waitFor(() => reads.count() === 2, { what: 'the read made again' });
  reads.answer(1, working(phone));
  assert.equal((await slow)?.status, 'CONNECTED');
  const after = await row(phone);
  assert.equal(after.status, 'CONNECTED');
  assert.equal(after.me_id, `${phone}@c.us`);
  assert.deepEqual(after.connected_at, connected.connected_at);
  assert.deepEqual(after.status_changed_at, connected.status_changed_at);
});
