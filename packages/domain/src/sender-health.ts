import type { DispatchOutcome } from './outcome.ts';
import type { HealthRule } from './sender-policy.ts';

// The health rule: read over a sender's latest outcomes, it pauses a number that keeps failing or
// keeps writing to numbers that are not on WhatsApp, both signs WhatsApp reads as spam.

/** One hand-off's result as the rule counts it; an ERROR (-1) ack turns an OK into FAILED. */
export type SendResult = 'OK' | 'FAILED' | 'NOT_ON_WHATSAPP';

export interface HealthTrip {
  rule: 'CONSECUTIVE_FAILURES' | 'NOT_ON_WHATSAPP_RATIO' | 'SESSION_LOGGED_OUT';
  [figure: string]: unknown;
}

/**
 * Null while healthy. `results` are the latest first, at most `window` of them. The ratio is
 * taken over the whole window (not over fewer sends), so a sender's first miss cannot trip it.
 */
export function checkHealth(rule: HealthRule | null, results: SendResult[]): HealthTrip | null {
  if (!rule) return null;
  const latest = results.slice(0, rule.window);
  const streak = latest.indexOf('OK');
  const consecutive = streak === -1 ? latest.length : streak;
  if (consecutive >= rule.max_consecutive_failures) {
    return {
      rule: 'CONSECUTIVE_FAILURES',
      consecutive_failures: consecutive,
      max_consecutive_failures: rule.max_consecutive_failures,
    };
  }
  const missing = latest.filter((result) => result === 'NOT_ON_WHATSAPP').length;
  const ratio = missing / rule.window;
  if (ratio > rule.max_not_on_whatsapp_ratio) {
    return {
      rule: 'NOT_ON_WHATSAPP_RATIO',
      not_on_whatsapp: missing,
      window: rule.window,
      ratio,
      max_not_on_whatsapp_ratio: rule.max_not_on_whatsapp_ratio,
    };
  }
  return null;
}

/** What an outcome counts as for the health rule; NONE: nothing reached WhatsApp; null: unknown. */
export function sendResultOf(outcome: DispatchOutcome): SendResult | 'NONE' | null {
  switch (outcome.kind) {
    case 'SENT':
      return 'OK';
    case 'FAILED':
      return outcome.code === 'NOT_ON_WHATSAPP' ? 'NOT_ON_WHATSAPP' : 'FAILED';
    case 'RETRY':
      return 'FAILED';
    case 'UNKNOWN':
      return null;
    case 'PAUSE_SESSION':
    case 'PAUSE_WORKER':
      return 'NONE';
  }
}

/** WhatsApp logged the number out (or banned it): a health pause, with what WAHA said. */
export function loggedOutTrip(wahaStatus: string | null): HealthTrip {
  return { rule: 'SESSION_LOGGED_OUT', waha_status: wahaStatus };
}
