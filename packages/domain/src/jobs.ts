import { z } from 'zod';

/**
 * A sender's turn: the dispatcher that takes it sends that sender's due messages, one at a time,
 * for a bounded while. The queue's policy (`short`, keyed by sender) keeps at most one turn queued
 * per sender; exclusivity while sending comes from the sender's lease row in Postgres, not from
 * the queue.
 */
export const SENDER_TURN_QUEUE = 'sender-turn';
export const SenderTurnPayload = z.object({ sender_number: z.string().regex(/^\d+$/) });
export type SenderTurnPayload = z.infer<typeof SenderTurnPayload>;
