import { nestError, objectError } from './http.ts';
import type { SessionMachine, SessionRecord } from './session-machine.ts';
import type { StoredSession } from './session-store.ts';
import { pollUntil } from './timers.ts';
import type { EmulatorEngine, EmulatorTier, SessionStatus, SessionSummary } from './types.ts';
import type { WebhookTarget } from './webhooks.ts';

const DOCS_URL = 'https://waha.devlike.pro/';
const STATUS_NOT_EXPECTED =
  'Session status is not as expected. Try again later or restart the session';

export function onlyDefaultMessage(name: string): string {
  const encoded = Buffer.from(name, 'utf-8').toString('base64');
  return (
    `WAHA Core support only 'default' session. You tried to access '${name}' session (base64: ${encoded}). ` +
    `If you want to run more then one WhatsApp account - please get WAHA PLUS version. Check this out: ${DOCS_URL}`
  );
}

export interface ManagerSettings {
  tier: EmulatorTier;
  engine: EmulatorEngine;
  statusWaitMs: number;
  globalWebhook: WebhookTarget | null;
  /** Sessions running before a restart are started again (WAHA_WORKER_RESTART_SESSIONS). */
  restartSessions: boolean;
}

/**
 * WAHA's session manager semantics. Core keeps exactly one session, `default`, which exists
 * (STOPPED) from boot until deleted; Plus keeps any number, created on demand.
 */
export class SessionManager {
  private readonly records = new Map<string, SessionRecord>();
  private readonly machine: SessionMachine;
  private readonly settings: ManagerSettings;
  private readonly closed: () => boolean;
  /** Called after a change that a status change does not announce (config, pairing, removal). */
  private readonly changed: () => void;

  constructor(
    machine: SessionMachine,
    settings: ManagerSettings,
    closed: () => boolean,
    changed: () => void = () => {},
  ) {
    this.machine = machine;
    this.settings = settings;
    this.closed = closed;
    this.changed = changed;
    this.reset();
  }

  /** The sessions a previous run kept; those that were running start again, as WAHA's do. */
  restore(stored: StoredSession[]): void {
    const kept = stored.filter((s) => this.settings.tier !== 'CORE' || s.name === 'default');
    for (const s of kept) {
      this.records.set(s.name, { name: s.name, config: s.config, pairing: s.pairing, run: null });
    }
    // Started once all are back: a start writes the store, which must not lose the others.
    for (const s of kept) {
      const record = this.records.get(s.name);
      if (s.running && record && this.settings.restartSessions) {
        this.machine.start(record, this.webhooksOf(record));
      }
    }
  }

  reset(): void {
    for (const record of this.records.values()) this.machine.stop(record, false);
    this.records.clear();
    if (this.settings.tier === 'CORE') {
      this.records.set('default', { name: 'default', config: null, pairing: null, run: null });
    }
    this.changed();
  }

  /** Core answers 422 for any session but `default`, on every session route. */
  checkName(name: string): void {
    if (this.settings.tier === 'CORE' && name !== 'default') {
      throw nestError(422, onlyDefaultMessage(name));
    }
  }

  exists(name: string): boolean {
    this.checkName(name);
    return this.records.has(name);
  }

  isRunning(name: string): boolean {
    this.checkName(name);
    return Boolean(this.records.get(name)?.run);
  }

  find(name: string): SessionRecord | undefined {
    return this.records.get(name);
  }

  all(): SessionRecord[] {
    return [...this.records.values()];
  }

  upsert(name: string, config: Record<string, unknown> | null): SessionRecord {
    this.checkName(name);
    const record = this.records.get(name);
    if (record) {
      record.config = config;
      this.changed();
      return record;
    }
    const created: SessionRecord = { name, config, pairing: null, run: null };
    this.records.set(name, created);
    this.changed();
    return created;
  }

  /** Core refuses a second start; Plus treats it as a no-op (the route is documented idempotent). */
  start(name: string): void {
    this.checkName(name);
    const record = this.records.get(name);
    if (!record) throw nestError(404, 'Session not found');
    if (record.run) {
      if (this.settings.tier === 'CORE') {
        throw nestError(422, `Session 'default' is already started.`);
      }
      return;
    }
    this.machine.start(record, this.webhooksOf(record));
  }

  stop(name: string): void {
    this.checkName(name);
    const record = this.records.get(name);
    if (record) this.machine.stop(record);
    // The STOPPED status is announced while the run still exists: write the stopped state.
    this.changed();
  }

  /** Wipes the stored auth, so the next start shows a QR again. */
  logout(name: string): void {
    this.checkName(name);
    const record = this.records.get(name);
    if (record) record.pairing = null;
    this.changed();
  }

  delete(name: string): void {
    this.checkName(name);
    const record = this.records.get(name);
    if (!record) return;
    this.machine.stop(record);
    this.records.delete(name);
    this.changed();
  }

  /** The session object WAHA routes take from `SessionPipe`: 404 unless it runs. */
  getRunning(name: string): SessionRecord {
    this.checkName(name);
    const record = this.records.get(name);
    if (!record?.run) {
      throw nestError(
        404,
        `We didn't find a session with name '${name}'.\n` +
          `Please start it first by using POST /api/sessions/${name}/start request`,
      );
    }
    return record;
  }

  /**
   * WAHA's `waitUntilStatus`: up to a third of the wait for the session to run, then the rest
   * for the expected status, polling every 50 ms, then the exact 422 bodies.
   */
  async waitUntilStatus(name: unknown, expected: SessionStatus[]): Promise<SessionRecord> {
    if (!name || typeof name !== 'string') {
      throw objectError(422, { error: 'Session name is required', session: name });
    }
    const total = this.settings.statusWaitMs;
    const runningWait = Math.round(total / 3);
    const running = await pollUntil(() => this.isRunning(name), runningWait, this.closed);
    if (!running) {
      if (!this.exists(name)) {
        throw objectError(422, { error: `Session "${name}" does not exist`, session: name });
      }
      throw objectError(422, {
        error: STATUS_NOT_EXPECTED,
        session: name,
        status: 'STOPPED',
        expected,
      });
    }
    const record = this.getRunning(name);
    const valid = await pollUntil(
      () => Boolean(record.run && expected.includes(record.run.status)),
      total - runningWait,
      this.closed,
    );
    if (!valid || !record.run) {
      const status = record.run?.status ?? 'STOPPED';
      throw objectError(422, { error: STATUS_NOT_EXPECTED, session: name, status, expected });
    }
    return record;
  }

  /** The list item and the base of the detailed object. */
  info(record: SessionRecord): Record<string, unknown> {
    const run = record.run;
    return {
      name: record.name,
      status: run?.status ?? 'STOPPED',
      config: record.config,
      me: this.machine.me(record),
      presence: run?.presence ?? null,
      timestamps: { activity: run?.activity ?? null },
    };
  }

  /** GET /api/sessions/{s}: adds `engine`, which WAHA only fills while the session runs. */
  detailedInfo(record: SessionRecord): Record<string, unknown> {
    const engine = record.run ? { engine: this.settings.engine } : {};
    return { ...this.info(record), engine };
  }

  list(all: boolean): Record<string, unknown>[] {
    return this.all()
      .filter((record) => all || record.run)
      .map((record) => this.info(record));
  }

  summaries(): SessionSummary[] {
    return this.all().map((record) => ({
      name: record.name,
      status: record.run?.status ?? 'STOPPED',
      me: this.machine.me(record),
    }));
  }

  /** Webhooks are fixed when a session starts (WAHA wires them then; PUT restarts the session). */
  private webhooksOf(record: SessionRecord): WebhookTarget[] {
    const targets: WebhookTarget[] = [];
    const configured = record.config?.webhooks;
    if (Array.isArray(configured)) {
      for (const raw of configured) {
        const target = toWebhookTarget(raw);
        if (target) targets.push(target);
      }
    }
    if (this.settings.globalWebhook) targets.push(this.settings.globalWebhook);
    return targets;
  }
}

/** Reads one entry of WAHA's `config.webhooks[]`; entries without a URL or events are ignored. */
function toWebhookTarget(raw: unknown): WebhookTarget | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const entry = raw as Record<string, unknown>;
  if (typeof entry.url !== 'string' || !Array.isArray(entry.events)) return null;
  const hmac = entry.hmac as { key?: unknown } | undefined;
  const retries = entry.retries as WebhookTarget['retries'] | undefined;
  const headers = entry.customHeaders;
  return {
    url: entry.url,
    events: entry.events.filter((e): e is string => typeof e === 'string'),
    hmacKey: typeof hmac?.key === 'string' ? hmac.key : undefined,
    retries: retries ?? undefined,
    customHeaders: Array.isArray(headers) ? (headers as WebhookTarget['customHeaders']) : undefined,
  };
}
