export type EmulatorTier = 'CORE' | 'PLUS';
export type EmulatorEngine = 'NOWEB' | 'WEBJS' | 'GOWS';
export type SessionStatus = 'STOPPED' | 'STARTING' | 'SCAN_QR_CODE' | 'WORKING' | 'FAILED';
export type RetryPolicy = 'linear' | 'exponential' | 'constant';

export interface WebhookRetries {
  policy: RetryPolicy;
  /** Fractions are allowed so tests can retry in milliseconds. */
  delaySeconds: number;
  /** Retries after the first try, as in WAHA: 2 means up to 3 requests. */
  attempts: number;
}

export interface WebhookConfig {
  url: string;
  events: string[];
  hmacKey?: string;
  retries?: WebhookRetries;
}

export interface EmulatorOptions {
  /** 0 or undefined = random free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 'CORE'. */
  tier?: EmulatorTier;
  /** Default 'NOWEB'. */
  engine?: EmulatorEngine;
  /** null = no auth; undefined = generate a random key (like WAHA) and expose it. */
  apiKey?: string | null;
  workerId?: string;
  /** Total wait of status-gated routes before a 422; default 15000 as in WAHA. */
  statusWaitMs?: number;
  /** Default 20000. */
  qrRotateMs?: number;
  /** An unscanned QR fails the session after this long; default 120000. */
  qrTimeoutMs?: number;
  /** When acks 1, 2 and 3 follow an accepted message, counted from acceptance; default [500, 1500, 4000]. */
  ackDelaysMs?: [number, number, number];
  /** STARTING -> SCAN_QR_CODE (or WORKING when already paired); default 300. */
  startingDelayMs?: number;
  /**
   * Keeps sessions (config, pairing, running) in `<dataDir>/worker-<port>.json` so a restarted
   * worker brings its paired sessions back WORKING, as WAHA does with a persistent local store,
   * and accepted messages in `<dataDir>/worker-<port>-messages.jsonl` (the chat history).
   * Needs a fixed port. Default: nothing is kept.
   */
  dataDir?: string;
  /**
   * Whether sessions that were running come back started after a restart (WAHA's
   * WAHA_WORKER_RESTART_SESSIONS); default true. Off, they come back STOPPED, still paired.
   */
  restartSessions?: boolean;
  /** How long `POST /api/server/stop` keeps the worker down before it comes back; default 2000. */
  restartDowntimeMs?: number;
  globalWebhook?: {
    url: string;
    events: string[];
    hmacKey?: string;
    retries?: WebhookRetries;
  };
  log?: (line: string) => void;
}

export interface FaultSwitches {
  /** Added before answering the send routes. */
  latencyMs: number;
  /** Digits → the latency of sends to that recipient, instead of `latencyMs`. */
  latencyMsTo: Record<string, number>;
  /** 0..1: a send answers 500 WAHA-style and is not accepted. */
  errorRate5xx: number;
  /** 0..1: a send is accepted and recorded, but never answered (the socket is held open). */
  timeoutRate: number;
  /** 0..1: the socket of a send is destroyed without an answer. */
  resetRate: number;
  /** Whether a reset send was accepted and recorded before its socket was destroyed; default true. */
  acceptBeforeReset: boolean;
  /** Digits that check-exists reports as not on WhatsApp. */
  notOnWhatsApp: string[];
  /** Digits whose messages are accepted, then acked once with ERROR (-1) instead of 1, 2, 3. */
  ackErrorTo: string[];
  /** What is left of `failNextSends`, in order; scripted sends come before the rates. */
  sendScript: ScriptedSendFault[];
  /** A hung worker: every WAHA route (`/api/...`) is accepted and never answered. */
  frozen: boolean;
}

/** The next `count` sends (to `to`, digits, or to anyone) end as `with`. */
export interface ScriptedSendFault {
  with: 'error5xx' | 'timeout' | 'reset';
  count: number;
  to?: string;
}

/** Fault switches plus one-shot actions; everything optional when set, merged into the current switches. */
export interface Faults extends FaultSwitches {
  /** Clears every switch before the rest of the body is merged. */
  clear: boolean;
  /** One-shot: that session drops to FAILED and forgets its pairing, like a logout from the phone. */
  dropSession: string;
  /** One-shot: stop listening (connections refused) for this long, keeping all state. */
  offlineForMs: number;
  /** Appended to `sendScript`: `{with, count?, to?}` or a list of them (count defaults to 1). */
  failNextSends: Partial<ScriptedSendFault> | Partial<ScriptedSendFault>[];
}

export interface AcceptedFile {
  mimetype?: string;
  filename?: string;
  url?: string;
  /** Size of the base64 payload in bytes when the file was sent inline (the data itself is not kept). */
  dataBytes?: number;
}

export interface AcceptedMessage {
  /** Serialized id, `true_<chatId>_<MSGID>`, the same the send returned. */
  id: string;
  session: string;
  chatId: string;
  kind: 'text' | 'image' | 'file' | 'video' | 'voice';
  text?: string;
  caption?: string;
  file?: AcceptedFile;
  /** ISO timestamp with milliseconds. */
  acceptedAt: string;
  /** The sending account (`<digits>@c.us`), as the chat history names it. */
  from?: string;
}

export interface SessionSummary {
  name: string;
  status: string;
  me: { id: string; pushName: string } | null;
}

export interface WebhookDelivery {
  /** X-Webhook-Request-Id, the same for every attempt of one event to one URL. */
  requestId: string;
  eventId: string;
  event: string;
  session: string;
  url: string;
  attempt: number;
  /** null when the request failed without a response. */
  statusCode: number | null;
  error?: string;
  at: string;
}

export interface RunningEmulator {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string | null;
  readonly tier: EmulatorTier;
  readonly engine: EmulatorEngine;
  readonly workerId: string;
  /** Same as GET /_emulator/messages. */
  messages(): AcceptedMessage[];
  /** Same as GET /_emulator/send-concurrency: send calls open now and at most, per session. */
  sendConcurrency(): Record<string, { open: number; max: number }>;
  sessions(): SessionSummary[];
  /** Same as the control route; throws when the session is unknown or not in SCAN_QR_CODE. */
  scan(session: string, phone: string, pushName?: string): void;
  /** The phone unlinks the device: FAILED, `me` cleared. */
  logout(session: string): void;
  /** Emits message.any fromMe from the phone (not via the API); returns the message id. */
  phoneMessage(session: string, to: string, text: string): string;
  /** A contact (`from`, digits) writes to the account: `message` and `message.any`; returns the id. */
  incomingMessage(session: string, from: string, text: string): string;
  setFaults(faults: Partial<Faults>): void;
  faults(): FaultSwitches;
  webhookDeliveries(): WebhookDelivery[];
  /** Stop listening (connections refused), keep state. */
  goOffline(): Promise<void>;
  /** Listen again on the same port. */
  goOnline(): Promise<void>;
  reset(): void;
  /** Also clears timers and aborts webhook deliveries so the process can exit. */
  close(): Promise<void>;
}
