import type { SenderPolicy, SessionStatus, WaitReason, WorkerTier } from '@herald/domain';
import type { ClaimWait } from './claim-waits.ts';
import type { PauseReason } from './send-readiness.ts';

// What a claim answers (`claimMessages`): the turn acts on it, the outcome records it.

export interface ClaimedMessage {
  id: number;
  campaignId: number;
  recipient: string;
  body: string;
  mediaUrl: string | null;
  /** Including this attempt, counted since the last retry of its campaign re-queued it. */
  attempts: number;
}

export interface SendTarget {
  workerId: number;
  url: string;
  apiKey: string;
  tier: WorkerTier | null;
  wahaSession: string;
}

export type ClaimResult =
  | { kind: 'lost' }
  | { kind: 'paused'; reason: PauseReason; sessionStatus: SessionStatus | null }
  | { kind: 'empty' }
  | ClaimWait
  /** The sender policy holds the sender until `until`: end the turn, the next starts then. */
  | { kind: 'held'; now: Date; until: Date; reason: WaitReason }
  | {
      kind: 'claimed';
      now: Date;
      message: ClaimedMessage;
      target: SendTarget;
      /** In force for this send (its outcome draws the jitter from it). */
      policy: SenderPolicy;
      /** The earliest time pacing allowed this send (for the pacing-lag metric). */
      dueAt: Date;
      /**
       * The database's time from which the WAHA call may start: the claim's `now`, or the sender's
       * due time when the claim was made ahead of it (`aheadSeconds`).
       */
      sendableAt: Date;
      /** MESSAGE_DELAY in force for the sender: after this send, the earliest next one is that far. */
      messageDelaySeconds: number;
      /** A sender-switch delay is in force: the claim marked the worker busy, its outcome frees it. */
      pacesWorker: boolean;
    };
