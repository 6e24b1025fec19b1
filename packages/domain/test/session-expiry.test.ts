import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeSessionExpiry } from '../src/index.ts';

const DAY = 86_400_000;
const NOW = new Date('2030-05-01T00:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('session expiry', () => {
  const connected = {
    status: 'CONNECTED' as const,
    connected_at: ago(20),
    phone_active_at: ago(10),
    device_active_at: ago(1),
  };

  it('is the sooner of the phone (14 days) and device (30 days) clocks', () => {
    const expiry = computeSessionExpiry(connected, NOW, 2);
    assert.deepEqual(expiry, {
      expires_at: new Date(ago(10).getTime() + 14 * DAY),
      last_active: ago(10),
      requires_auth: false,
      expiry_warning: false,
    });
    const deviceIdle = computeSessionExpiry(
      { ...connected, phone_active_at: ago(1), device_active_at: ago(29) },
      NOW,
      2,
    );
    assert.deepEqual(deviceIdle.expires_at, new Date(ago(29).getTime() + 30 * DAY));
    assert.deepEqual(deviceIdle.last_active, ago(29));
  });

  it('warns within EXPIRY_WARNING_DAYS and requires a scan once expired', () => {
    assert.equal(
      computeSessionExpiry({ ...connected, phone_active_at: ago(12) }, NOW, 2).expiry_warning,
      true,
    );
    assert.equal(
      computeSessionExpiry({ ...connected, phone_active_at: ago(11.9) }, NOW, 2).expiry_warning,
      false,
    );
    const expired = computeSessionExpiry({ ...connected, phone_active_at: ago(14) }, NOW, 2);
    assert.equal(expired.requires_auth, true);
  });

  it('has no expiry before the first connection, and needs a scan while unpaired', () => {
    const waiting = computeSessionExpiry(
      {
        status: 'WAITING_FOR_SCAN',
        connected_at: null,
        phone_active_at: null,
        device_active_at: null,
      },
      NOW,
      2,
    );
    assert.deepEqual(waiting, {
      expires_at: null,
      last_active: null,
      requires_auth: true,
      expiry_warning: false,
    });
    const starting = { status: 'STARTING' as const, phone_active_at: null, device_active_at: null };
    assert.equal(
      computeSessionExpiry({ ...starting, connected_at: null }, NOW, 2).requires_auth,
      true,
    );
    assert.equal(
      computeSessionExpiry({ ...starting, connected_at: ago(1) }, NOW, 2).requires_auth,
      false,
    );
  });

  it('needs a scan after a logout or a failed pairing', () => {
    for (const status of ['EXPIRED', 'FAILED'] as const) {
      assert.equal(computeSessionExpiry({ ...connected, status }, NOW, 2).requires_auth, true);
    }
    assert.equal(
      computeSessionExpiry({ ...connected, status: 'DISCONNECTED' }, NOW, 2).requires_auth,
      false,
    );
  });
});
