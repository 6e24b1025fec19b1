import type { EmulatorContext } from './context.ts';
import { FaultInputError, mergeFaults, toDigits } from './faults.ts';
import { emitIncomingMessage, emitPhoneMessage } from './messaging.ts';
import type { SessionRecord } from './session-machine.ts';

/** A refused control action; the control API answers `{error}` with this status. */
export class ControlError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function findSession(ctx: EmulatorContext, name: string): SessionRecord {
  const record = ctx.sessions.find(name);
  if (!record) throw new ControlError(404, `session '${name}' does not exist`);
  return record;
}

function requireDigits(value: unknown, field: string): string {
  const digits =
    typeof value === 'string' || typeof value === 'number' ? toDigits(String(value)) : '';
  if (!digits) throw new ControlError(400, `${field} must be a phone number (digits)`);
  return digits;
}

/** The phone scans the QR: the session goes WORKING as `<digits>@c.us`. */
export function scanSession(
  ctx: EmulatorContext,
  name: string,
  phone: unknown,
  pushName?: unknown,
): SessionRecord {
  const record = findSession(ctx, name);
  const digits = requireDigits(phone, 'phone');
  if (record.run?.status !== 'SCAN_QR_CODE') {
    const status = record.run?.status ?? 'STOPPED';
    throw new ControlError(409, `session '${name}' is ${status}, not SCAN_QR_CODE`);
  }
  const displayName = typeof pushName === 'string' && pushName ? pushName : `Emulated ${digits}`;
  ctx.machine.scan(record, { phone: digits, pushName: displayName });
  return record;
}

/** The phone unlinks this device (or the session drops): FAILED, pairing forgotten, `me` cleared. */
export function logoutFromPhone(ctx: EmulatorContext, name: string): SessionRecord {
  const record = findSession(ctx, name);
  if (!record.run) throw new ControlError(409, `session '${name}' is not running`);
  ctx.machine.fail(record, true);
  return record;
}

export function sendFromPhone(
  ctx: EmulatorContext,
  name: string,
  to: unknown,
  text: unknown,
): string {
  const record = findSession(ctx, name);
  const digits = requireDigits(to, 'to');
  if (record.run?.status !== 'WORKING') {
    throw new ControlError(409, `session '${name}' is not WORKING`);
  }
  return emitPhoneMessage(ctx, record, digits, typeof text === 'string' ? text : '');
}

/** A contact replies: the session must be WORKING, as only a connected account receives. */
export function receiveMessage(
  ctx: EmulatorContext,
  name: string,
  from: unknown,
  text: unknown,
): string {
  const record = findSession(ctx, name);
  const digits = requireDigits(from, 'from');
  if (typeof text !== 'string') throw new ControlError(400, 'text must be a string');
  if (record.run?.status !== 'WORKING') {
    throw new ControlError(409, `session '${name}' is not WORKING`);
  }
  return emitIncomingMessage(ctx, record, digits, text);
}

/**
 * Merges fault switches and runs the one-shot actions. `offlineForMs` is returned rather than
 * run, so the control route can answer before its own socket closes.
 */
export function applyFaults(ctx: EmulatorContext, input: unknown): { offlineForMs?: number } {
  let merged: ReturnType<typeof mergeFaults>;
  try {
    merged = mergeFaults(ctx.faults, input);
  } catch (error) {
    if (error instanceof FaultInputError) throw new ControlError(400, error.message);
    throw error;
  }
  if (merged.dropSession !== undefined) logoutFromPhone(ctx, merged.dropSession);
  ctx.faults = merged.switches;
  return merged.offlineForMs === undefined ? {} : { offlineForMs: merged.offlineForMs };
}

/** Stops listening for `ms`, then listens again on the same port; state is untouched. */
export async function goOfflineFor(ctx: EmulatorContext, ms: number): Promise<void> {
  ctx.log(`offline for ${ms} ms`);
  await ctx.network.goOffline();
  ctx.timers.after(ms, () => {
    if (!ctx.closed)
      void ctx.network.goOnline().catch((error) => ctx.log(`online failed: ${error}`));
  });
}
