import assert from 'node:assert/strict';
import { listCampaignMessages } from '@herald/db';
import { makeConnectedSender, settleMessages } from '@herald/testing';
import type { TestGateway } from './gateway.ts';
import { call } from './http.ts';

export const SENDER_A = '21620111111';
export const SENDER_B = '21620222222';

/**
 * Four campaigns through the API, in this order: a1, a2 (sender A), b1 (sender B), a3 (A), with
 * creation dates spread over 2024 so date filters can tell them apart, and a1 part-way through
 * (two sent, one failed, one pending) as a dispatcher would have left it. Returns ids by name.
 */
export async function seedCampaigns(
  gw: TestGateway,
): Promise<Record<'a1' | 'a2' | 'b1' | 'a3', number>> {
  const ids = { a1: 0, a2: 0, b1: 0, a3: 0 };
  await makeConnectedSender(gw.db, SENDER_A);
  await makeConnectedSender(gw.db, SENDER_B);
  const submit = async (name: keyof typeof ids, sender: string, recipients: string[]) => {
    const res = await call('POST', `${gw.url}/api/send`, {
      body: {
        sender_number: sender,
        template: `{{greeting}} from ${name}`,
        variables: { greeting: 'Hi' },
        recipients,
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids[name] = res.body.id;
  };
  await submit('a1', SENDER_A, ['21698000001', '21698000002', '21698000003', '21698000004']);
  await submit('a2', SENDER_A, ['21698000005']);
  await submit('b1', SENDER_B, ['21698000006']);
  await submit('a3', SENDER_A, ['21698000007']);
  const at = (name: keyof typeof ids, iso: string) =>
    gw.db.updateTable('campaigns').set({ created_at: iso }).where('id', '=', ids[name]).execute();
  await at('a1', '2024-01-15T10:00:00Z');
  await at('a2', '2024-02-01T23:30:00Z');
  await at('b1', '2024-02-10T08:00:00Z');
  await at('a3', '2024-03-01T00:00:00Z');
  const [first, second, third] = (await listCampaignMessages(gw.db, ids.a1)).map((m) => m.id);
  await settleMessages(gw.db, ids.a1, [
    { messageId: first as number, status: 'SENT' },
    { messageId: second as number, status: 'SENT' },
    { messageId: third as number, status: 'FAILED' },
  ]);
  await gw.db
    .updateTable('campaigns')
    .set({ started_at: '2024-01-15T10:00:05Z' })
    .where('id', '=', ids.a1)
    .execute();
  return ids;
}
