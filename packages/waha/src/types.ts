import type {
  ChatMessage,
  WahaMe,
  WahaServerStatus,
  WahaServerVersion,
  WahaSession,
} from './schemas.ts';

/** What the client accepts; what WAHA answers is in `schemas.ts`. */

export interface WahaClientOptions {
  /** e.g. http://127.0.0.1:3101 */
  baseUrl: string;
  /** Sent as X-Api-Key; never logged, never in error messages. */
  apiKey?: string | null;
  /** Per call, default 30 000: it must exceed WAHA's ~16 s wait before a status error. */
  timeoutMs?: number;
  /** undici Pool size, default 16. */
  connections?: number;
  /** Told of every call once it ends (metrics); must not throw. */
  observe?: (call: WahaCallSample) => void;
}

/** One finished WAHA call, labelled with bounded values only. */
export interface WahaCallSample {
  /** The worker's base URL. */
  worker: string;
  /** Method and path with the session name replaced: `POST /api/sendText`, `GET /api/sessions/:session`. */
  operation: string;
  /** `ok`, or the WahaError code. */
  result: string;
  seconds: number;
}

export interface CallOptions {
  /** Overrides the client's timeout for one call. */
  timeoutMs?: number;
  /** Ends the call early, as a timeout (the caller can no longer stand behind it). */
  signal?: AbortSignal;
}

export type WahaPresence = 'online' | 'offline' | 'typing' | 'recording' | 'paused';

export interface WahaWebhookConfig {
  url: string;
  events: string[];
  hmac?: { key: string };
  retries?: {
    policy: 'linear' | 'exponential' | 'constant';
    delaySeconds: number;
    attempts: number;
  };
  customHeaders?: { name: string; value: string }[];
}

export interface WahaSessionConfig {
  webhooks?: WahaWebhookConfig[];
  metadata?: Record<string, string>;
  proxy?: { server: string; username?: string; password?: string };
  debug?: boolean;
  ignore?: { status?: boolean; groups?: boolean; channels?: boolean; broadcast?: boolean };
  noweb?: { store?: { enabled: boolean; fullSync: boolean }; markOnline?: boolean };
  webjs?: { tagsEventsOn?: boolean };
  client?: { deviceName?: string; browserName?: string };
}

export interface SendFileInput {
  session: string;
  chatId: string;
  /** `url` or raw base64 `data` (no data: prefix). */
  file: { mimetype: string; filename?: string; url?: string; data?: string };
  caption?: string;
}

export interface SentMessage {
  /** The serialized message id (`true_<chat>_<id>`), or null when the engine's answer had none. */
  id: string | null;
  /** The engine's message object as WAHA returned it. */
  raw: unknown;
}

export type { WahaMe, WahaServerStatus, WahaServerVersion, WahaSession };

export interface WahaClient {
  readonly baseUrl: string;
  ping(): Promise<void>;
  serverVersion(): Promise<WahaServerVersion>;
  serverStatus(): Promise<WahaServerStatus>;
  createSession(input: {
    name: string;
    start?: boolean;
    config?: WahaSessionConfig;
  }): Promise<WahaSession>;
  getSession(name: string): Promise<WahaSession>;
  listSessions(options?: { all?: boolean }): Promise<WahaSession[]>;
  updateSession(name: string, config: WahaSessionConfig): Promise<WahaSession>;
  startSession(name: string): Promise<WahaSession>;
  stopSession(name: string): Promise<WahaSession>;
  restartSession(name: string): Promise<WahaSession>;
  logoutSession(name: string): Promise<WahaSession>;
  deleteSession(name: string): Promise<void>;
  getMe(name: string): Promise<WahaMe | null>;
  /** The QR as a base64 PNG. */
  getQrImage(name: string): Promise<{ mimetype: string; data: string }>;
  /** The string encoded in the QR. */
  getQrValue(name: string): Promise<string>;
  requestPairingCode(name: string, phoneNumber: string): Promise<string>;
  sendText(
    input: { session: string; chatId: string; text: string; linkPreview?: boolean },
    options?: CallOptions,
  ): Promise<SentMessage>;
  sendImage(input: SendFileInput, options?: CallOptions): Promise<SentMessage>;
  sendFile(input: SendFileInput, options?: CallOptions): Promise<SentMessage>;
  sendVideo(
    input: SendFileInput & { asNote?: boolean; convert?: boolean },
    options?: CallOptions,
  ): Promise<SentMessage>;
  checkNumberExists(input: {
    session: string;
    phone: string;
  }): Promise<{ numberExists: boolean; chatId: string | null }>;
  /**
   * A chat's recent messages, newest first (`GET /api/{session}/chats/{chatId}/messages`), at most
   * `limit`, from `sinceSeconds` (unix seconds) on, without media. NOWEB answers only when the
   * session keeps its store (`config.noweb.store.enabled`).
   */
  chatMessages(
    input: { session: string; chatId: string; sinceSeconds: number; limit: number },
    options?: CallOptions,
  ): Promise<ChatMessage[]>;
  startTyping(input: { session: string; chatId: string }): Promise<void>;
  stopTyping(input: { session: string; chatId: string }): Promise<void>;
  setPresence(session: string, presence: WahaPresence, chatId?: string): Promise<void>;
  /** Waits for calls in flight, then closes the pool's sockets. */
  close(): Promise<void>;
}
