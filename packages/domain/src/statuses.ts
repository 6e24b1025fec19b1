/** A campaign's lifecycle; see `campaignTransition` for how the controls move it. */
export const CAMPAIGN_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'SCHEDULED',
  'PAUSED',
  'CANCELLED',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/**
 * One recipient's place in the ledger. SENDING is committed before the WAHA call, so a crash
 * mid-call leaves evidence; UNKNOWN means WAHA may have accepted the message and it is never resent.
 * SUPPRESSED: the recipient opted out before it was sent (terminal, not an error).
 */
export const MESSAGE_STATUSES = [
  'PENDING',
  'SENDING',
  'SENT',
  'FAILED',
  'UNKNOWN',
  'CANCELLED',
  'SUPPRESSED',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** WAHA's own session statuses (there is no CONNECTED in WAHA). */
export const WAHA_SESSION_STATUSES = [
  'STOPPED',
  'STARTING',
  'SCAN_QR_CODE',
  'WORKING',
  'FAILED',
] as const;
export type WahaSessionStatus = (typeof WAHA_SESSION_STATUSES)[number];

export const isWahaSessionStatus = (value: unknown): value is WahaSessionStatus =>
  WAHA_SESSION_STATUSES.some((status) => status === value);

/**
 * Herald's session status, as the API reports it. See `toSessionStatus` for the mapping.
 * SCANNED is part of the documented vocabulary; WAHA's engines go from SCAN_QR_CODE straight to
 * WORKING, so Herald reports it only while WAHA says WORKING but has not yet named the account.
 */
export const SESSION_STATUSES = [
  'STARTING',
  'WAITING_FOR_SCAN',
  'SCANNED',
  'CONNECTED',
  'DISCONNECTED',
  'STOPPED',
  'EXPIRED',
  'FAILED',
  'WRONG_ACCOUNT',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/**
 * Sessions that no longer run on their worker: they need POST /api/sessions to start again and
 * hold no slot of worker capacity. WRONG_ACCOUNT: another account scanned the QR (logged out).
 */
export const ENDED_SESSION_STATUSES = [
  'STOPPED',
  'EXPIRED',
  'FAILED',
  'WRONG_ACCOUNT',
] as const satisfies readonly SessionStatus[];

export const isSessionEnded = (status: SessionStatus): boolean =>
  (ENDED_SESSION_STATUSES as readonly SessionStatus[]).includes(status);

export const WORKER_TIERS = ['CORE', 'PLUS'] as const;
export type WorkerTier = (typeof WORKER_TIERS)[number];

/**
 * Herald's status for what WAHA reports. FAILED after the account was once connected means WhatsApp
 * logged the device out (EXPIRED: a new QR scan is needed); FAILED before that means the QR was
 * never scanned. An unreachable worker makes a session DISCONNECTED whatever WAHA said last.
 */
export function toSessionStatus(
  waha: WahaSessionStatus,
  facts: { meKnown: boolean; everConnected: boolean; workerReachable: boolean },
): SessionStatus {
  if (!facts.workerReachable) return 'DISCONNECTED';
  switch (waha) {
    case 'STOPPED':
      return 'STOPPED';
    case 'STARTING':
      return 'STARTING';
    case 'SCAN_QR_CODE':
      return 'WAITING_FOR_SCAN';
    case 'WORKING':
      return facts.meKnown ? 'CONNECTED' : 'SCANNED';
    case 'FAILED':
      return facts.everConnected ? 'EXPIRED' : 'FAILED';
  }
}
