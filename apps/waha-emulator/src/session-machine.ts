import { generateQrValue } from './ids.ts';
import type { TimerBag } from './timers.ts';
import type { SessionStatus } from './types.ts';
import type { WebhookTarget } from './webhooks.ts';

export interface Pairing {
  phone: string;
  pushName: string;
}

export interface StatusPoint {
  status: SessionStatus;
  timestamp: number;
}

/** What exists while a session runs; WAHA builds a new engine object on every start. */
export interface RunState {
  status: SessionStatus;
  /** The last three emitted statuses, reset on every start. */
  statuses: StatusPoint[];
  webhooks: WebhookTarget[];
  qr: string | null;
  presence: 'online' | 'offline' | null;
  activity: number | null;
  timers: Set<NodeJS.Timeout>;
  presenceTimer?: NodeJS.Timeout;
}

export interface SessionRecord {
  name: string;
  /** The raw `config` WAHA stores: webhooks, metadata, proxy, ... */
  config: Record<string, unknown> | null;
  /** Stored auth: survives stop/start, wiped by logout or a logout from the phone. */
  pairing: Pairing | null;
  /** null while STOPPED. */
  run: RunState | null;
}

export interface MachineTimings {
  startingDelayMs: number;
  qrRotateMs: number;
  qrTimeoutMs: number;
}

/** How long an API call keeps the session "online" (WAHA_PRESENCE_AUTO_ONLINE_DURATION_SECONDS). */
const PRESENCE_ONLINE_MS = 25_000;

/**
 * The status flow of one session as WAHA's NOWEB engine drives it:
 * STARTING -> SCAN_QR_CODE (re-emitted on each QR rotation) -> WORKING once scanned,
 * or straight to WORKING when stored auth exists; an unscanned QR or a phone logout ends in FAILED.
 */
export class SessionMachine {
  private readonly timers: TimerBag;
  private readonly timings: MachineTimings;
  private readonly emitStatus: (record: SessionRecord, payload: unknown) => void;

  constructor(
    timers: TimerBag,
    timings: MachineTimings,
    emitStatus: (record: SessionRecord, payload: unknown) => void,
  ) {
    this.timers = timers;
    this.timings = timings;
    this.emitStatus = emitStatus;
  }

  start(record: SessionRecord, webhooks: WebhookTarget[]): void {
    const run: RunState = {
      status: 'STOPPED',
      statuses: [],
      webhooks,
      qr: null,
      presence: null,
      activity: null,
      timers: new Set(),
    };
    record.run = run;
    // WAHA's status stream starts from a STOPPED value that the first webhook subscriber receives.
    this.setStatus(record, 'STOPPED');
    this.setStatus(record, 'STARTING');
    this.schedule(run, this.timings.startingDelayMs, () => {
      if (record.pairing) this.setStatus(record, 'WORKING');
      else this.showQr(record);
    });
  }

  /** Stops timers and emits STOPPED before the session's event streams end. */
  stop(record: SessionRecord, emit = true): void {
    const run = record.run;
    if (!run) return;
    this.clearRun(run);
    if (emit) this.setStatus(record, 'STOPPED');
    record.run = null;
  }

  scan(record: SessionRecord, pairing: Pairing): void {
    const run = record.run;
    if (run?.status !== 'SCAN_QR_CODE') throw new Error('session is not in SCAN_QR_CODE');
    this.clearRun(run);
    run.qr = null;
    record.pairing = pairing;
    this.setStatus(record, 'WORKING');
  }

  /** The phone unlinked the device, or the connection failed for good: no reconnect. */
  fail(record: SessionRecord, forgetPairing: boolean): void {
    const run = record.run;
    if (!run) return;
    this.clearRun(run);
    run.qr = null;
    run.presence = null;
    if (forgetPairing) record.pairing = null;
    this.setStatus(record, 'FAILED');
  }

  /** An API call on a WORKING session: WAHA marks it online and records the activity time. */
  markActivity(record: SessionRecord): void {
    const run = record.run;
    if (run?.status !== 'WORKING') return;
    run.activity = Date.now();
    run.presence = 'online';
    this.timers.cancel(run.presenceTimer);
    run.presenceTimer = this.timers.after(PRESENCE_ONLINE_MS, () => {
      if (record.run === run && run.status === 'WORKING') run.presence = 'offline';
    });
  }

  /** Runs `fn` later unless the session stops first. */
  schedule(run: RunState, ms: number, fn: () => void): void {
    const handle = this.timers.after(ms, () => {
      run.timers.delete(handle);
      fn();
    });
    run.timers.add(handle);
  }

  me(record: SessionRecord): { id: string; pushName: string } | null {
    if (record.run?.status !== 'WORKING' || !record.pairing) return null;
    return { id: `${record.pairing.phone}@c.us`, pushName: record.pairing.pushName };
  }

  private showQr(record: SessionRecord): void {
    const run = record.run;
    if (!run) return;
    const firstShownAt = Date.now();
    const rotate = () => {
      if (record.run !== run) return;
      run.qr = generateQrValue();
      // Each new QR sets SCAN_QR_CODE again, which WAHA re-emits as session.status.
      this.setStatus(record, 'SCAN_QR_CODE');
      const left = this.timings.qrTimeoutMs - (Date.now() - firstShownAt);
      if (left <= 0) return;
      this.schedule(run, Math.min(this.timings.qrRotateMs, left), () => {
        if (Date.now() - firstShownAt >= this.timings.qrTimeoutMs) return;
        rotate();
      });
    };
    rotate();
    this.schedule(run, this.timings.qrTimeoutMs, () => {
      if (run.status === 'SCAN_QR_CODE') this.fail(record, false);
    });
  }

  private setStatus(record: SessionRecord, status: SessionStatus): void {
    const run = record.run;
    if (!run) return;
    const previous = run.statuses.at(-1)?.status;
    run.status = status;
    // WAHA drops a WORKING that repeats the previous emitted status.
    if (status === 'WORKING' && previous === 'WORKING') return;
    run.statuses = [...run.statuses, { status, timestamp: Date.now() }].slice(-3);
    this.emitStatus(record, {
      name: record.name,
      status,
      statuses: run.statuses.map((point) => ({ ...point })),
    });
  }

  private clearRun(run: RunState): void {
    for (const handle of run.timers) this.timers.cancel(handle);
    run.timers.clear();
    this.timers.cancel(run.presenceTimer);
  }
}
