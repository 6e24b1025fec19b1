import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accountDigits,
  deriveSessionChange,
  observationOf,
  restartsOnItsWorker,
  type SessionFacts,
  statusAfterRefusedSend,
  taggedPhone,
  toSessionStatus,
} from '../src/index.ts';

const NOW = new Date('2030-01-01T10:00:00Z');
const EARLIER = new Date('2029-12-20T10:00:00Z');
const PHONE = '21650000001';

const row = (overrides: Partial<SessionFacts> = {}): SessionFacts => ({
  phone_number: PHONE,
  status: 'WAITING_FOR_SCAN',
  connected_at: null,
  phone_active_at: null,
  device_active_at: null,
  ...overrides,
});
const me = (digits: string) => ({ id: `${digits}@c.us`, pushName: 'Shop' });

describe('session status from WAHA', () => {
  it('maps each WAHA status, and DISCONNECTED whenever the worker is unreachable', () => {
    const facts = { meKnown: true, everConnected: false, workerReachable: true };
    assert.equal(toSessionStatus('STARTING', facts), 'STARTING');
    assert.equal(toSessionStatus('SCAN_QR_CODE', facts), 'WAITING_FOR_SCAN');
    assert.equal(toSessionStatus('WORKING', facts), 'CONNECTED');
    assert.equal(toSessionStatus('WORKING', { ...facts, meKnown: false }), 'SCANNED');
    assert.equal(toSessionStatus('STOPPED', facts), 'STOPPED');
    assert.equal(toSessionStatus('FAILED', facts), 'FAILED');
    assert.equal(toSessionStatus('FAILED', { ...facts, everConnected: true }), 'EXPIRED');
    assert.equal(toSessionStatus('WORKING', { ...facts, workerReachable: false }), 'DISCONNECTED');
  });
});

describe('deriveSessionChange', () => {
  it('starts both inactivity clocks at the scan that first connects a pairing', () => {
    const change = deriveSessionChange(
      row(),
      { kind: 'seen', status: 'WORKING', me: me(PHONE) },
      NOW,
    );
    assert.equal(change.status, 'CONNECTED');
    assert.equal(change.becameConnected, true);
    assert.deepEqual(change.update, {
      waha_status: 'WORKING',
      last_error: null,
      me_id: `${PHONE}@c.us`,
      push_name: 'Shop',
      connected_at: NOW,
      phone_active_at: NOW,
      device_active_at: NOW,
      status: 'CONNECTED',
      status_changed_at: NOW,
    });
  });

  it('never moves an activity clock backwards', () => {
    const later = new Date('2030-02-01T00:00:00Z');
    const change = deriveSessionChange(
      row({ phone_active_at: later }),
      { kind: 'seen', status: 'WORKING', me: me(PHONE) },
      NOW,
    );
    assert.deepEqual(change.update.phone_active_at, later);
    assert.deepEqual(change.update.device_active_at, NOW);
  });

  it('keeps a connected session as it is, changing nothing but what WAHA said', () => {
    const connected = row({ status: 'CONNECTED', connected_at: EARLIER });
    const change = deriveSessionChange(
      connected,
      { kind: 'seen', status: 'WORKING', me: me(PHONE) },
      NOW,
    );
    assert.equal(change.becameConnected, false);
    assert.equal(change.update.status, undefined, 'no status change, no status_changed_at');
    assert.equal(change.update.connected_at, undefined, 'the pairing keeps its first scan');
  });

  it('reports WRONG_ACCOUNT for a session scanned by another phone, and says so', () => {
    const change = deriveSessionChange(
      row(),
      { kind: 'seen', status: 'WORKING', me: me('21699999999') },
      NOW,
    );
    assert.equal(change.status, 'WRONG_ACCOUNT');
    assert.equal(change.becameConnected, false);
    assert.equal(change.becameWrongAccount, true, 'the caller logs it out');
    assert.match(
      change.update.last_error ?? '',
      /21699999999 scanned this session, not 21650000001/,
    );
  });

  it('keeps WRONG_ACCOUNT through the logout and stop that follow, until the right account', () => {
    const wrong = row({ status: 'WRONG_ACCOUNT' });
    for (const status of ['SCAN_QR_CODE', 'STARTING', 'STOPPED', 'FAILED'] as const) {
      const change = deriveSessionChange(wrong, { kind: 'seen', status, me: null }, NOW);
      assert.equal(change.status, 'WRONG_ACCOUNT', status);
      assert.equal(change.becameWrongAccount, false, 'logged out once');
    }
    assert.equal(deriveSessionChange(wrong, { kind: 'missing' }, NOW).status, 'WRONG_ACCOUNT');
    const right = { kind: 'seen', status: 'WORKING', me: me('21650000001') } as const;
    assert.equal(deriveSessionChange(wrong, right, NOW).status, 'CONNECTED');
  });

  it('reads WORKING without an account as SCANNED', () => {
    const change = deriveSessionChange(row(), { kind: 'seen', status: 'WORKING', me: null }, NOW);
    assert.equal(change.status, 'SCANNED');
  });

  it('forgets the old pairing when a connected session shows a QR again', () => {
    const change = deriveSessionChange(
      row({ status: 'CONNECTED', connected_at: EARLIER }),
      { kind: 'seen', status: 'SCAN_QR_CODE', me: null },
      NOW,
    );
    assert.equal(change.status, 'WAITING_FOR_SCAN');
    assert.deepEqual(
      [change.update.me_id, change.update.push_name, change.update.connected_at],
      [null, null, null],
    );
  });

  it('explains EXPIRED (logged out) and FAILED (never scanned)', () => {
    const expired = deriveSessionChange(
      row({ status: 'CONNECTED', connected_at: EARLIER }),
      { kind: 'seen', status: 'FAILED', me: null },
      NOW,
    );
    assert.equal(expired.status, 'EXPIRED');
    assert.match(expired.update.last_error ?? '', /logged this device out/);
    const failed = deriveSessionChange(row(), { kind: 'seen', status: 'FAILED', me: null }, NOW);
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.update.last_error ?? '', /not scanned in time/);
  });

  it('makes a session the worker no longer has STOPPED, and one it cannot reach DISCONNECTED', () => {
    const missing = deriveSessionChange(row({ status: 'CONNECTED' }), { kind: 'missing' }, NOW);
    assert.equal(missing.status, 'STOPPED');
    assert.equal(missing.update.waha_status, null);
    assert.match(missing.update.last_error ?? '', /no longer exists on its worker/);
    const unreachable = deriveSessionChange(
      row({ status: 'CONNECTED' }),
      { kind: 'unreachable' },
      NOW,
    );
    assert.deepEqual(unreachable.update, { status: 'DISCONNECTED', status_changed_at: NOW });
  });

  it('says a session came back when a DISCONNECTED one is WORKING again', () => {
    const change = deriveSessionChange(
      row({ status: 'DISCONNECTED', connected_at: EARLIER }),
      { kind: 'seen', status: 'WORKING', me: me(PHONE) },
      NOW,
    );
    assert.equal(change.becameConnected, true);
  });
});

describe('which session WAHA is talking about', () => {
  it('reads the account digits of a chat id or a device address', () => {
    assert.equal(accountDigits('21612345678@c.us'), '21612345678');
    assert.equal(accountDigits('21612345678:7@s.whatsapp.net'), '21612345678');
  });

  it('reads the number a session is tagged with, only when it is digits', () => {
    assert.equal(taggedPhone({ 'herald.phone': '21612345678' }), '21612345678');
    assert.equal(taggedPhone({ 'herald.phone': 'x1' }), null);
    assert.equal(taggedPhone({ 'herald.phone': 216 }), null);
    assert.equal(taggedPhone(null), null);
  });

  it("counts a session tagged for another number as missing (Core's shared default)", () => {
    const session = { status: 'WORKING' as const, me: me(PHONE) };
    assert.deepEqual(observationOf(undefined, PHONE), { kind: 'missing' });
    assert.deepEqual(
      observationOf({ ...session, config: { metadata: { 'herald.phone': '21699999999' } } }, PHONE),
      { kind: 'missing' },
    );
    assert.deepEqual(
      observationOf({ ...session, config: { metadata: { 'herald.phone': PHONE } } }, PHONE),
      { kind: 'seen', status: 'WORKING', me: me(PHONE) },
    );
    assert.deepEqual(observationOf({ ...session, config: null }, PHONE), {
      kind: 'seen',
      status: 'WORKING',
      me: me(PHONE),
    });
  });
});

describe('a send refused because the session is not WORKING', () => {
  it('pauses the session in the status WAHA named', () => {
    const paired = { me_id: `${PHONE}@c.us`, connected_at: EARLIER };
    assert.deepEqual(statusAfterRefusedSend(paired, 'FAILED'), {
      status: 'EXPIRED',
      waha: 'FAILED',
    });
  });

  it('keeps a paired session its worker stopped (a restart) DISCONNECTED, to be started again', () => {
    const paired = { me_id: `${PHONE}@c.us`, connected_at: EARLIER };
    assert.deepEqual(statusAfterRefusedSend(paired, 'STOPPED'), {
      status: 'DISCONNECTED',
      waha: 'STOPPED',
    });
    assert.equal(
      restartsOnItsWorker(
        { status: 'DISCONNECTED', connected_at: EARLIER },
        { kind: 'seen', status: 'STOPPED', me: null },
      ),
      true,
    );
    assert.equal(
      restartsOnItsWorker(
        { status: 'STOPPED', connected_at: EARLIER },
        { kind: 'seen', status: 'STOPPED', me: null },
      ),
      false,
      'an ended session holds no slot: only the user starts it again',
    );
    assert.equal(
      restartsOnItsWorker(
        { status: 'CONNECTED', connected_at: null },
        { kind: 'seen', status: 'STOPPED', me: null },
      ),
      false,
    );
  });

  it('is DISCONNECTED when WAHA named no status it knows', () => {
    const paired = { me_id: `${PHONE}@c.us`, connected_at: EARLIER };
    assert.deepEqual(statusAfterRefusedSend(paired, null), { status: 'DISCONNECTED', waha: null });
    assert.deepEqual(statusAfterRefusedSend(paired, 'PAIRING'), {
      status: 'DISCONNECTED',
      waha: null,
    });
  });

  it('changes nothing when WAHA still calls it WORKING', () => {
    assert.equal(
      statusAfterRefusedSend({ me_id: `${PHONE}@c.us`, connected_at: EARLIER }, 'WORKING'),
      null,
    );
  });
});
