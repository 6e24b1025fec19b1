import type { FaultSwitches, ScriptedSendFault } from './types.ts';

/** How a scripted send ends; the same outcomes as the fault rates, decided in advance. */
export const SCRIPTED_OUTCOMES = ['error5xx', 'timeout', 'reset'] as const;
export type ScriptedOutcome = (typeof SCRIPTED_OUTCOMES)[number];

/**
 * Appends `failNextSends` (one entry or a list) to the script: "the next N sends (to this number)
 * end this way". Deterministic where a rate would be chance. Throws a message on bad input.
 */
export function appendSendScript(
  current: ScriptedSendFault[],
  input: unknown,
): ScriptedSendFault[] {
  const entries = Array.isArray(input) ? input : [input];
  return [...current, ...entries.map(toEntry)];
}

function toEntry(value: unknown): ScriptedSendFault {
  if (typeof value !== 'object' || value === null) {
    throw new Error('failNextSends must be {with, count?, to?} or a list of them');
  }
  const { with: outcome, count = 1, to } = value as Record<string, unknown>;
  const known = SCRIPTED_OUTCOMES.find((o) => o === outcome);
  if (!known) throw new Error(`failNextSends.with must be one of ${SCRIPTED_OUTCOMES.join(', ')}`);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new Error('failNextSends.count must be an integer >= 1');
  }
  if (to !== undefined && (typeof to !== 'string' || !/\d/.test(to))) {
    throw new Error('failNextSends.to must be a phone number');
  }
  const entry: ScriptedSendFault = { with: known, count };
  if (typeof to === 'string') entry.to = to.split('@')[0]?.replace(/\D/g, '') ?? '';
  return entry;
}

/**
 * The scripted outcome of this send, if the script has one for it: the first entry that matches
 * the recipient, counted down (and dropped at zero). Null: the fault rates decide.
 */
export function takeScriptedOutcome(faults: FaultSwitches, chatId: string): ScriptedOutcome | null {
  const digits = chatId.split('@')[0]?.replace(/\D/g, '') ?? '';
  const index = faults.sendScript.findIndex((entry) => !entry.to || entry.to === digits);
  const entry = faults.sendScript[index];
  if (!entry) return null;
  entry.count -= 1;
  if (entry.count === 0) faults.sendScript.splice(index, 1);
  return entry.with;
}
