import type { SessionStatus } from './statuses.ts';

const DAY_MS = 86_400_000;
/** WhatsApp unlinks devices when the phone itself has not been used for this long. */
export const PHONE_INACTIVITY_DAYS = 14;
/** …and drops a linked device that has been inactive for this long. */
export const DEVICE_INACTIVITY_DAYS = 30;

export interface SessionExpiry {
  /** The sooner of the two WhatsApp clocks; null before the first connection. */
  expires_at: Date | null;
  /** The activity behind that sooner clock. */
  last_active: Date | null;
  requires_auth: boolean;
  expiry_warning: boolean;
}

/**
 * Estimates when WhatsApp will unlink the session. Two clocks run: the phone's (messages typed on
 * it and the scan; sends through the API do not count) and the linked device's (Herald's sends and
 * keep-alives). A keep-alive can reset only the device clock, so the phone clock is usually the
 * one that matters. `requires_auth`: a QR scan is needed, because the session was logged out or
 * never paired, or the estimated expiry has passed.
 */
export function computeSessionExpiry(
  session: {
    status: SessionStatus;
    connected_at: Date | null;
    phone_active_at: Date | null;
    device_active_at: Date | null;
  },
  now: Date,
  warningDays: number,
): SessionExpiry {
  const clocks = [
    { active: session.phone_active_at, days: PHONE_INACTIVITY_DAYS },
    { active: session.device_active_at, days: DEVICE_INACTIVITY_DAYS },
  ]
    .filter((c): c is { active: Date; days: number } => c.active !== null)
    .map((c) => ({ active: c.active, expires: new Date(c.active.getTime() + c.days * DAY_MS) }))
    .sort((a, b) => a.expires.getTime() - b.expires.getTime());
  const sooner = clocks[0];
  const expiresAt = sooner?.expires ?? null;
  const expired = expiresAt !== null && expiresAt.getTime() <= now.getTime();
  const unpaired =
    session.status === 'WAITING_FOR_SCAN' ||
    (session.status === 'STARTING' && session.connected_at === null);
  return {
    expires_at: expiresAt,
    last_active: sooner?.active ?? null,
    requires_auth:
      expired ||
      session.status === 'FAILED' ||
      session.status === 'EXPIRED' ||
      session.status === 'WRONG_ACCOUNT' ||
      unpaired,
    expiry_warning:
      expiresAt !== null && expiresAt.getTime() - now.getTime() <= warningDays * DAY_MS,
  };
}
