import { createHmac } from 'node:crypto';
import { generateRequestId } from './ids.ts';
import type { TimerBag } from './timers.ts';
import type { RetryPolicy, WebhookDelivery } from './types.ts';

/** A webhook as WAHA configures it, normalised from the session config or the global options. */
export interface WebhookTarget {
  url: string;
  events: string[];
  hmacKey?: string;
  retries?: { policy?: RetryPolicy; delaySeconds?: number; attempts?: number };
  customHeaders?: { name: string; value: string }[];
}

export interface WebhookEnvelope {
  id: string;
  timestamp: number;
  event: string;
  session: string;
  metadata?: Record<string, string>;
  me: { id: string; pushName: string } | null;
  payload: unknown;
  engine: string;
  environment: Record<string, unknown>;
}

// Every event WAHA knows; "*" expands to all of them but `state.change` and `engine.event`.
const KNOWN_EVENTS = [
  'session.status',
  'message',
  'message.reaction',
  'message.any',
  'message.ack',
  'message.ack.group',
  'message.waiting',
  'message.revoked',
  'message.edited',
  'state.change',
  'group.join',
  'group.leave',
  'group.v2.join',
  'group.v2.leave',
  'group.v2.update',
  'group.v2.participants',
  'presence.update',
  'poll.vote',
  'poll.vote.failed',
  'chat.archive',
  'call.received',
  'call.accepted',
  'call.rejected',
  'label.upsert',
  'label.deleted',
  'label.chat.added',
  'label.chat.deleted',
  'event.response',
  'event.response.failed',
  'engine.event',
];
const WILDCARD_EVENTS = KNOWN_EVENTS.filter((e) => e !== 'state.change' && e !== 'engine.event');

export function wantsEvent(target: WebhookTarget, event: string): boolean {
  if (!target.url || target.events.length === 0) return false;
  if (target.events.includes('*') && WILDCARD_EVENTS.includes(event)) return true;
  return target.events.includes(event) && KNOWN_EVENTS.includes(event);
}

const DEFAULT_ATTEMPTS = 15;
const DEFAULT_DELAY_SECONDS = 2;
const MAX_DELIVERY_LOG = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Sends envelopes with WAHA's headers, HMAC and retry policy, and keeps a log of every attempt. */
export class WebhookSender {
  private readonly log: WebhookDelivery[] = [];
  private readonly inflight = new Set<AbortController>();
  private readonly timers: TimerBag;
  private readonly userAgent: string;
  private readonly writeLog: (line: string) => void;

  constructor(timers: TimerBag, version: string, writeLog: (line: string) => void) {
    this.timers = timers;
    this.userAgent = `WAHA/${version}`;
    this.writeLog = writeLog;
  }

  deliveries(): WebhookDelivery[] {
    return this.log.map((d) => ({ ...d }));
  }

  send(target: WebhookTarget, envelope: WebhookEnvelope): void {
    const body = JSON.stringify(envelope);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'User-Agent': this.userAgent,
    };
    for (const header of target.customHeaders ?? []) headers[header.name] = header.value;
    // One request id for all attempts: the headers are built once per event, as in WAHA.
    const requestId = generateRequestId();
    headers['X-Webhook-Request-Id'] = requestId;
    headers['X-Webhook-Timestamp'] = String(envelope.timestamp);
    if (target.hmacKey) {
      headers['X-Webhook-Hmac'] = createHmac('sha512', target.hmacKey).update(body).digest('hex');
      headers['X-Webhook-Hmac-Algorithm'] = 'sha512';
    }
    const retries = target.retries?.attempts ?? DEFAULT_ATTEMPTS;
    const delayMs = (target.retries?.delaySeconds ?? DEFAULT_DELAY_SECONDS) * 1000;
    const policy = target.retries?.policy ?? 'constant';
    const attempt = async (number: number): Promise<void> => {
      const outcome = await this.post(target.url, headers, body);
      this.record({
        requestId,
        eventId: envelope.id,
        event: envelope.event,
        session: envelope.session,
        url: target.url,
        attempt: number,
        statusCode: outcome.statusCode,
        error: outcome.error,
        at: new Date().toISOString(),
      });
      if (outcome.ok || outcome.aborted) return;
      if (number > retries) {
        this.writeLog(`webhook ${envelope.event} to ${target.url} gave up after ${number} tries`);
        return;
      }
      const wait = retryDelay(policy, delayMs, number, outcome.retryAfterMs);
      this.timers.after(wait, () => void attempt(number + 1));
    };
    void attempt(1);
  }

  /** Aborts requests in flight; pending retries die with the timers. */
  abortAll(): void {
    for (const controller of this.inflight) controller.abort();
    this.inflight.clear();
  }

  clearLog(): void {
    this.log.length = 0;
  }

  private record(delivery: WebhookDelivery): void {
    if (delivery.error === undefined) delete delivery.error;
    this.log.push(delivery);
    if (this.log.length > MAX_DELIVERY_LOG) this.log.splice(0, this.log.length - MAX_DELIVERY_LOG);
  }

  private async post(url: string, headers: Record<string, string>, body: string) {
    const controller = new AbortController();
    this.inflight.add(controller);
    const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      return {
        ok: response.status >= 200 && response.status < 300,
        aborted: false,
        statusCode: response.status as number | null,
        error: undefined as string | undefined,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      };
    } catch (error) {
      const aborted = controller.signal.aborted && !this.inflight.has(controller);
      return {
        ok: false,
        aborted,
        statusCode: null,
        error: (error as Error).cause ? String((error as Error).cause) : String(error),
        retryAfterMs: 0,
      };
    } finally {
      clearTimeout(timeout);
      this.inflight.delete(controller);
    }
  }
}

/** The delay before retry number `retry` (1-based), following axios-retry as WAHA configures it. */
export function retryDelay(
  policy: RetryPolicy,
  delayMs: number,
  retry: number,
  retryAfterMs = 0,
): number {
  if (!delayMs) return Math.max(0, retryAfterMs);
  switch (policy) {
    case 'linear':
      return Math.max(retry * delayMs, retryAfterMs);
    case 'exponential': {
      const delay = Math.max(2 ** retry * delayMs, retryAfterMs);
      return delay + delay * 0.2 * Math.random();
    }
    default:
      return Math.max(delayMs, retryAfterMs);
  }
}

function parseRetryAfter(value: string | null): number {
  if (!value) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}
