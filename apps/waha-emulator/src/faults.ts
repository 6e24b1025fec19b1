import { isRecord } from './http.ts';
import { appendSendScript } from './send-script.ts';
import type { FaultSwitches, Faults } from './types.ts';

export function defaultFaults(): FaultSwitches {
  return {
    latencyMs: 0,
    latencyMsTo: {},
    errorRate5xx: 0,
    timeoutRate: 0,
    resetRate: 0,
    acceptBeforeReset: true,
    notOnWhatsApp: [],
    ackErrorTo: [],
    sendScript: [],
    frozen: false,
  };
}

/** What happens to one send once it passed the session checks. */
export type SendOutcome = 'answer' | 'error5xx' | 'timeout' | 'reset';

/** One draw decides the outcome, so the three rates partition [0, 1) and never overlap. */
export function decideSendOutcome(faults: FaultSwitches, draw = Math.random()): SendOutcome {
  if (draw < faults.errorRate5xx) return 'error5xx';
  if (draw < faults.errorRate5xx + faults.timeoutRate) return 'timeout';
  if (draw < faults.errorRate5xx + faults.timeoutRate + faults.resetRate) return 'reset';
  return 'answer';
}

export class FaultInputError extends Error {}

/**
 * Validates a fault body and merges it into `current` (`clear` first resets every switch).
 * Returns the merged switches and the one-shot actions it asked for.
 */
export function mergeFaults(
  current: FaultSwitches,
  input: unknown,
): { switches: FaultSwitches; dropSession?: string; offlineForMs?: number } {
  if (!isRecord(input)) throw new FaultInputError('the body must be a JSON object');
  const patch = input as Partial<Faults>;
  const next =
    patch.clear === true
      ? defaultFaults()
      : {
          ...current,
          latencyMsTo: { ...current.latencyMsTo },
          notOnWhatsApp: [...current.notOnWhatsApp],
          ackErrorTo: [...current.ackErrorTo],
          sendScript: current.sendScript.map((entry) => ({ ...entry })),
        };
  if (patch.latencyMs !== undefined) next.latencyMs = nonNegative('latencyMs', patch.latencyMs);
  if (patch.latencyMsTo !== undefined) {
    if (!isRecord(patch.latencyMsTo)) {
      throw new FaultInputError('latencyMsTo must be an object of phone number → milliseconds');
    }
    for (const [phone, ms] of Object.entries(patch.latencyMsTo)) {
      next.latencyMsTo[toDigits(phone)] = nonNegative('latencyMsTo', ms);
    }
  }
  for (const key of ['errorRate5xx', 'timeoutRate', 'resetRate'] as const) {
    if (patch[key] !== undefined) next[key] = rate(key, patch[key]);
  }
  if (next.errorRate5xx + next.timeoutRate + next.resetRate > 1) {
    throw new FaultInputError('errorRate5xx + timeoutRate + resetRate must not exceed 1');
  }
  if (patch.acceptBeforeReset !== undefined) {
    if (typeof patch.acceptBeforeReset !== 'boolean') {
      throw new FaultInputError('acceptBeforeReset must be a boolean');
    }
    next.acceptBeforeReset = patch.acceptBeforeReset;
  }
  if (patch.frozen !== undefined) {
    if (typeof patch.frozen !== 'boolean') throw new FaultInputError('frozen must be a boolean');
    next.frozen = patch.frozen;
  }
  if (patch.notOnWhatsApp !== undefined) {
    if (!Array.isArray(patch.notOnWhatsApp)) {
      throw new FaultInputError('notOnWhatsApp must be an array of phone numbers');
    }
    next.notOnWhatsApp = patch.notOnWhatsApp.map((phone) => toDigits(String(phone)));
  }
  if (patch.ackErrorTo !== undefined) {
    if (!Array.isArray(patch.ackErrorTo)) {
      throw new FaultInputError('ackErrorTo must be an array of phone numbers');
    }
    next.ackErrorTo = patch.ackErrorTo.map((phone) => toDigits(String(phone)));
  }
  if (patch.failNextSends !== undefined) {
    try {
      next.sendScript = appendSendScript(next.sendScript, patch.failNextSends);
    } catch (error) {
      throw new FaultInputError(error instanceof Error ? error.message : String(error));
    }
  }
  const result: { switches: FaultSwitches; dropSession?: string; offlineForMs?: number } = {
    switches: next,
  };
  if (patch.dropSession !== undefined) {
    if (typeof patch.dropSession !== 'string' || !patch.dropSession) {
      throw new FaultInputError('dropSession must be a session name');
    }
    result.dropSession = patch.dropSession;
  }
  if (patch.offlineForMs !== undefined) {
    result.offlineForMs = nonNegative('offlineForMs', patch.offlineForMs);
  }
  return result;
}

/** The latency of a send to this chat: its recipient's own, else the general one. */
export function latencyOf(faults: FaultSwitches, chatId: string): number {
  return faults.latencyMsTo[toDigits(chatId)] ?? faults.latencyMs;
}

/** Digits of a phone or chat id: `+1 (213) 555@c.us` -> `1213555`. */
export function toDigits(phone: string): string {
  return phone.split('@')[0]?.replace(/\D/g, '') ?? '';
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new FaultInputError(`${name} must be a number >= 0`);
  }
  return value;
}

function rate(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new FaultInputError(`${name} must be a number between 0 and 1`);
  }
  return value;
}
