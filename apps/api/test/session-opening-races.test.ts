import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '@herald/testing';
import type { RunningEmulator } from '@herald/waha-emulator';
import { sql } from 'kysely';
import { createSession, registerEmulator, startTestEmulator } from './support/fleet.ts';
import { startTestGateway, type TestGateway } from './support/gateway.ts';
import { type CallResult, call } from './support/http.ts';

let gw: TestGateway;
let worker: RunningEmulator;

before(async () => {
  gw = await startTestGateway();
  worker = await startTestEmulator();
});

after(async () => {
  await worker.close();
  await gw.close();
});

/** Backends of the gateway's database waiting on a lock right now. */
async function lockWaits(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(gw.db);
  return rows[0]?.n ?? 0;
}

function assertNo500(answers: CallResult[], what: string) {
  for (const answer of answers) {
    assert.ok(
      answer.status < 500 || (answer.status === 503 && answer.body?.error?.code !== 'INTERNAL'),
      `${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  }
}

test('a worker deleted while an opening places a session on it gives 503, not 500', async () => {
  const registered = await registerEmulator(gw, worker);
  const phone = '21650100881';
  let opening: Promise<CallResult> | undefined;
  // The delete stays uncommitted until the opening has chosen the worker and waits on its row:
  // the window in which DELETE /api/admin/workers/{id} commits between placement's statements.
  await gw.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('workers').where('id', '=', registered.id).execute();
    opening = createSession(gw, phone);
    await waitFor(async () => (await lockWaits()) > 0, {
      what: 'the opening to wait on the worker',
    });
  });
  const answer = await (opening as Promise<CallResult>);
  assert.equal(answer.status, 503, JSON.stringify(answer.body));
  assert.equal(answer.body.error.code, 'NO_CAPACITY');
  const sessions = await gw.db.selectFrom('sessions').select('phone_number').execute();
  assert.deepEqual(sessions, [], 'no session row is left behind');
  const sender = await gw.db
    .selectFrom('senders')
    .select('phone_number')
    .where('phone_number', '=', phone)
    .executeTakeFirst();
  assert.equal(sender, undefined, 'the new number is forgotten');
});

test('opens racing deletes of the same numbers and of their worker never answer 500', async () => {
  const phones = ['21650100891', '21650100892', '21650100893'];
  for (let round = 0; round < 6; round += 1) {
    const registered = await registerEmulator(gw, worker);
    const admin = { headers: gw.adminHeaders };
    const requests: Promise<CallResult>[] = [];
    for (const phone of phones) {
      requests.push(createSession(gw, phone), createSession(gw, phone));
      requests.push(call('DELETE', `${gw.url}/api/sessions/${phone}`, admin));
    }
    requests.push(call('DELETE', `${gw.url}/api/admin/workers/${registered.id}?force=true`, admin));
    assertNo500(await Promise.all(requests), `round ${round}`);
    await call('DELETE', `${gw.url}/api/admin/workers/${registered.id}?force=true`, admin);
    await call('DELETE', `${gw.url}/api/admin/workers/cleanup`, admin);
  }
});
