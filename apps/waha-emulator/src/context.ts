import { join } from 'node:path';
import { defaultFaults } from './faults.ts';
import { generatePrefixedId } from './ids.ts';
import { MessageLog } from './message-log.ts';
import { SendConcurrency } from './send-concurrency.ts';
import { SessionMachine, type SessionRecord } from './session-machine.ts';
import { SessionManager } from './session-manager.ts';
import { SessionStore } from './session-store.ts';
import { TimerBag } from './timers.ts';
import type {
  AcceptedMessage,
  EmulatorEngine,
  EmulatorOptions,
  EmulatorTier,
  FaultSwitches,
} from './types.ts';
import { WebhookSender, type WebhookTarget, wantsEvent } from './webhooks.ts';

export const WAHA_VERSION = '2025.12.3';

export interface Settings {
  host: string;
  tier: EmulatorTier;
  engine: EmulatorEngine;
  apiKey: string | null;
  workerId: string;
  statusWaitMs: number;
  qrRotateMs: number;
  qrTimeoutMs: number;
  ackDelaysMs: [number, number, number];
  startingDelayMs: number;
  restartDowntimeMs: number;
  globalWebhook: WebhookTarget | null;
  /** Where sessions are kept across restarts; null: nowhere. */
  storeFile: string | null;
  /** Where accepted messages are kept across restarts; null: nowhere. */
  messagesFile: string | null;
  /** Running sessions are started again after a restart (WAHA_WORKER_RESTART_SESSIONS). */
  restartSessions: boolean;
}

/** Switches the listening socket; filled in by the server once it exists. */
export interface Network {
  goOffline(): Promise<void>;
  goOnline(): Promise<void>;
}

/** Everything one emulated WAHA worker holds; routes and the control API share it. */
export class EmulatorContext {
  readonly settings: Settings;
  readonly timers = new TimerBag();
  readonly webhooks: WebhookSender;
  readonly machine: SessionMachine;
  readonly sessions: SessionManager;
  readonly messages: AcceptedMessage[] = [];
  readonly sendConcurrency = new SendConcurrency();
  readonly startedAt = Date.now();
  readonly log: (line: string) => void;
  /** `/api/server/version` body minus the worker, and every webhook's `environment`. */
  readonly environment: Record<string, unknown>;
  faults: FaultSwitches = defaultFaults();
  closed = false;
  network: Network = {
    goOffline: async () => undefined,
    goOnline: async () => undefined,
  };

  constructor(settings: Settings, log: (line: string) => void) {
    this.settings = settings;
    this.log = log;
    this.environment = {
      version: WAHA_VERSION,
      engine: settings.engine,
      tier: settings.tier,
      // WAHA reports the browser path only for the browser-based engine.
      browser: settings.engine === 'WEBJS' ? '/usr/bin/chromium' : null,
      platform: 'linux/x64',
    };
    this.webhooks = new WebhookSender(this.timers, WAHA_VERSION, log);
    this.machine = new SessionMachine(this.timers, settings, (record, payload) => {
      const status = (payload as { status: string }).status;
      log(`session ${record.name}: ${status}`);
      this.emit(record, 'session.status', payload);
      this.persist();
    });
    this.sessions = new SessionManager(
      this.machine,
      settings,
      () => this.closed,
      () => this.persist(),
    );
    this.store = settings.storeFile ? new SessionStore(settings.storeFile) : null;
    this.messageLog = settings.messagesFile ? new MessageLog(settings.messagesFile) : null;
  }

  private readonly store: SessionStore | null;
  private readonly messageLog: MessageLog | null;

  /** Brings back the sessions and messages of the previous run; running sessions start again. */
  restoreSessions(): void {
    if (this.messageLog) this.messages.push(...this.messageLog.load());
    if (this.store) this.sessions.restore(this.store.load());
  }

  /** Records an accepted message (and writes it down first when a data folder is kept). */
  recordMessage(message: AcceptedMessage): void {
    this.messageLog?.append(message);
    this.messages.push(message);
  }

  /** Writes the sessions down; once the worker is closing, what it had stays as it was. */
  persist(): void {
    if (this.store && !this.closed) this.store.save(this.sessions.all());
  }

  /** Builds WAHA's envelope once per event and hands it to every webhook of the session that wants it. */
  emit(record: SessionRecord, event: string, payload: unknown): void {
    const run = record.run;
    if (!run || this.closed) return;
    const targets = run.webhooks.filter((target) => wantsEvent(target, event));
    if (targets.length === 0) return;
    const metadata = record.config?.metadata as Record<string, string> | undefined;
    const envelope = {
      id: generatePrefixedId('evt'),
      timestamp: Date.now(),
      event,
      session: record.name,
      ...(metadata ? { metadata } : {}),
      me: this.machine.me(record),
      payload,
      engine: this.settings.engine,
      environment: this.environment,
    };
    for (const target of targets) this.webhooks.send(target, envelope);
  }

  /** Clears sessions, messages, faults, deliveries and pending timers. */
  reset(): void {
    this.sessions.reset();
    this.timers.clear();
    this.webhooks.abortAll();
    this.webhooks.clearLog();
    this.messages.length = 0;
    this.sendConcurrency.clear();
    this.faults = defaultFaults();
    // A pending "come back online" timer died with the others, so come back now.
    this.network.goOnline().catch((error) => this.log(`online failed: ${error}`));
  }
}

export function resolveSettings(options: EmulatorOptions, apiKey: string | null): Settings {
  const tier = options.tier ?? 'CORE';
  const engine = options.engine ?? 'NOWEB';
  const hook = options.globalWebhook;
  return {
    host: options.host ?? '127.0.0.1',
    tier,
    engine,
    apiKey,
    workerId: options.workerId ?? 'waha',
    statusWaitMs: options.statusWaitMs ?? 15_000,
    qrRotateMs: options.qrRotateMs ?? 20_000,
    qrTimeoutMs: options.qrTimeoutMs ?? 120_000,
    ackDelaysMs: options.ackDelaysMs ?? [500, 1500, 4000],
    startingDelayMs: options.startingDelayMs ?? 300,
    restartDowntimeMs: options.restartDowntimeMs ?? 2000,
    globalWebhook: hook?.url
      ? { url: hook.url, events: hook.events, hmacKey: hook.hmacKey, retries: hook.retries }
      : null,
    storeFile:
      options.dataDir && options.port ? join(options.dataDir, `worker-${options.port}.json`) : null,
    restartSessions: options.restartSessions ?? true,
    messagesFile:
      options.dataDir && options.port
        ? join(options.dataDir, `worker-${options.port}-messages.jsonl`)
        : null,
  };
}
