import { type Database, readFleetGauges } from '@herald/db';
import type { Kysely } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Outcomes of a WAHA send as Herald records them: a fixed set, so the label stays bounded. */
export const MESSAGE_OUTCOMES = ['sent', 'failed', 'unknown', 'retried'] as const;
export type MessageOutcome = (typeof MESSAGE_OUTCOMES)[number];

export interface HeraldMetrics {
  registry: Registry;
  /** Messages by outcome (`sender` only with per-sender labels on). */
  messages: Counter<'outcome' | 'sender'>;
  /** WAHA calls by worker (its base URL: one per registered worker) and operation. */
  wahaRequestSeconds: Histogram<'worker' | 'operation' | 'result'>;
  /** How late a send was against the earliest time pacing allowed it. */
  pacingLagSeconds: Histogram;
  leaseTakeovers: Counter;
  /** Workers made degraded by their circuit breaker (timeouts and resets in a window). */
  workerBreakerTrips: Counter;
  sweeps: Counter<'result'>;
  /** Counts one message outcome, with the sender label only when the setting allows it. */
  countMessage(outcome: MessageOutcome, sender: string): void;
  /** For the WAHA clients' `observe` option. */
  observeWaha(call: { worker: string; operation: string; result: string; seconds: number }): void;
}

export interface MetricsOptions {
  /** `api`, `dispatcher`: a constant label on every series. */
  service: string;
  /** The database behind the fleet gauges; without it they are not registered. */
  db?: Kysely<Database>;
  /** Adds a `sender` label to the message counter: one series per sender, so off by default. */
  perSenderLabels?: boolean;
  /** How long gauges read from the database are reused between scrapes. */
  gaugeCacheMs?: number;
}

/** One registry per process (tests start several services in one process: no global state). */
export function createMetrics(options: MetricsOptions): HeraldMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry, prefix: 'herald_' });
  const registers = [registry];
  const perSender = options.perSenderLabels === true;

  const messages = new Counter({
    name: 'herald_messages_total',
    help: 'WAHA sends by outcome: sent, failed, unknown (may or may not have arrived), retried',
    labelNames: perSender ? ['outcome', 'sender'] : ['outcome'],
    registers,
  });
  for (const outcome of MESSAGE_OUTCOMES) if (!perSender) messages.inc({ outcome }, 0);
  const wahaRequestSeconds = new Histogram({
    name: 'herald_waha_request_seconds',
    help: 'Duration of calls to WAHA workers, by worker and operation',
    labelNames: ['worker', 'operation', 'result'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30],
    registers,
  });
  const pacingLagSeconds = new Histogram({
    name: 'herald_pacing_lag_seconds',
    help: 'How late a send was claimed against the earliest time pacing allowed it',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers,
  });
  const leaseTakeovers = new Counter({
    name: 'herald_lease_takeovers_total',
    help: 'Senders taken over from a lapsed lease (a dispatcher died or stalled)',
    registers,
  });
  const workerBreakerTrips = new Counter({
    name: 'herald_worker_breaker_trips_total',
    help: 'Workers made degraded by their circuit breaker (timeouts and resets within its window)',
    registers,
  });
  const sweeps = new Counter({
    name: 'herald_sweeps_total',
    help: 'Recovery sweeps by result',
    labelNames: ['result'],
    registers,
  });
  if (options.db) registerFleetGauges(registry, options.db, options.gaugeCacheMs ?? 1_000);

  return {
    registry,
    messages,
    wahaRequestSeconds,
    pacingLagSeconds,
    leaseTakeovers,
    workerBreakerTrips,
    sweeps,
    countMessage(outcome, sender) {
      messages.inc(perSender ? { outcome, sender } : { outcome });
    },
    observeWaha({ worker, operation, result, seconds }) {
      wahaRequestSeconds.observe({ worker, operation, result }, seconds);
    },
  };
}

/**
 * Gauges read from the database when scraped: one read serves every gauge, and is reused for
 * `cacheMs`, so several scrapers (or a dashboard refresh) cost one round of counts.
 */
function registerFleetGauges(registry: Registry, db: Kysely<Database>, cacheMs: number): void {
  let cached: { at: number; value: ReturnType<typeof readFleetGauges> } | undefined;
  const read = () => {
    if (!cached || Date.now() - cached.at > cacheMs) {
      cached = { at: Date.now(), value: readFleetGauges(db) };
      // A failed read is not kept: the next scrape tries again.
      cached.value.catch(() => {
        cached = undefined;
      });
    }
    return cached.value;
  };
  const registers = [registry];
  new Gauge({
    name: 'herald_messages_pending',
    help: 'Messages waiting to be sent',
    registers,
    async collect() {
      this.set((await read()).messagesPending);
    },
  });
  new Gauge({
    name: 'herald_senders_active',
    help: 'Senders with pending messages that can send now',
    registers,
    async collect() {
      this.set((await read()).sendersActive);
    },
  });
  new Gauge({
    name: 'herald_senders_paused',
    help: 'Senders with pending messages that cannot send now (session or worker not usable)',
    registers,
    async collect() {
      this.set((await read()).sendersPaused);
    },
  });
  new Gauge({
    name: 'herald_sessions',
    help: 'Sessions by Herald status',
    labelNames: ['status'],
    registers,
    async collect() {
      const { sessionsByStatus } = await read();
      this.reset();
      for (const [status, n] of Object.entries(sessionsByStatus)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'herald_workers',
    help: 'WAHA workers by health: healthy, unhealthy, degraded (by the circuit breaker), disabled',
    labelNames: ['health'],
    registers,
    async collect() {
      const { workers } = await read();
      for (const [health, n] of Object.entries(workers)) this.set({ health }, n);
    },
  });
}
