import { z } from 'zod';
import { isKnownTimeZone } from './time-zone.ts';

// A sender's safety policy: every field optional, `null` meaning "off". The global policy and a
// sender's override are both stored as such objects; a field an override leaves out inherits the
// global value (`resolvePolicy`). Failed rules name a machine-readable code in `params.code`,
// which the API answers with.

/** A number in [min, max], with the rule that failed named in the issue's `params.code`. */
const bounded = (min: number, max: number, options: { integer?: boolean; above?: boolean } = {}) =>
  z.number().superRefine((value, ctx) => {
    const fail = (code: string, message: string) =>
      ctx.addIssue({ code: 'custom', message, params: { code } });
    if (options.integer && !Number.isInteger(value))
      fail('VALIDATION_FAILED', 'must be a whole number');
    else if (options.above ? value <= min : value < min) {
      fail('VALUE_TOO_SMALL', `must be ${options.above ? 'above' : 'at least'} ${min}`);
    } else if (value > max) fail('VALUE_TOO_LARGE', `must be at most ${max}`);
  });
const count = (max: number) => bounded(1, max, { integer: true });
const seconds = (max: number) => bounded(0, max);

/** `HH:MM`, or `HH:MM:SS` where a window must end on the second. */
const ClockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'must be a time of day such as 09:00');

export const clockSeconds = (text: string): number => {
  const [h = 0, m = 0, s = 0] = text.split(':').map(Number);
  return h * 3600 + m * 60 + s;
};

export const WorkingHoursSchema = z
  .object({
    timezone: z.string().max(64).meta({ description: 'IANA time zone, e.g. Europe/Paris' }),
    start: ClockTime,
    end: ClockTime,
    days: z
      .array(z.number().int().min(1).max(7))
      .max(7)
      .meta({ description: 'ISO weekdays: 1 = Monday … 7 = Sunday' }),
  })
  .strict()
  .superRefine((hours, ctx) => {
    if (!isKnownTimeZone(hours.timezone)) {
      ctx.addIssue({
        code: 'custom',
        path: ['timezone'],
        message: `unknown time zone '${hours.timezone}' (an IANA name such as Europe/Paris)`,
        params: { code: 'UNKNOWN_TIME_ZONE' },
      });
    }
    if (clockSeconds(hours.start) >= clockSeconds(hours.end)) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: 'must be after start (windows do not cross midnight)',
        params: { code: 'INVALID_WORKING_HOURS' },
      });
    }
    if (hours.days.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['days'],
        message: 'must name at least one day',
        params: { code: 'INVALID_WORKING_HOURS' },
      });
    }
    if (new Set(hours.days).size !== hours.days.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['days'],
        message: 'must not repeat a day',
        params: { code: 'INVALID_WORKING_HOURS' },
      });
    }
  });

export const BurstSchema = z
  .object({ size: count(10_000), pause_seconds: seconds(86_400) })
  .strict()
  .meta({ description: 'After `size` messages in a row, wait `pause_seconds`' });

export const HealthRuleSchema = z
  .object({
    max_consecutive_failures: count(1000),
    max_not_on_whatsapp_ratio: bounded(0, 1, { above: true }),
    window: count(1000).meta({ description: 'How many of the latest outcomes the rule reads' }),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.max_consecutive_failures > rule.window) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_consecutive_failures'],
        message: 'must not exceed window',
        params: { code: 'INVALID_HEALTH_RULE' },
      });
    }
  });

/** Every field optional: in an override, a missing field inherits; `null` turns it off. */
export const SenderPolicySchema = z
  .object({
    delay_jitter_seconds: seconds(3600).nullable().optional(),
    hourly_cap: count(10_000).nullable().optional(),
    daily_cap: count(100_000).nullable().optional(),
    warmup: z.array(count(100_000)).min(1).max(90).nullable().optional(),
    working_hours: WorkingHoursSchema.nullable().optional(),
    burst: BurstSchema.nullable().optional(),
    health: HealthRuleSchema.nullable().optional(),
  })
  .strict();
export type SenderPolicyInput = z.infer<typeof SenderPolicySchema>;
export type WorkingHours = z.infer<typeof WorkingHoursSchema>;
export type HealthRule = z.infer<typeof HealthRuleSchema>;

export interface SenderPolicy {
  delay_jitter_seconds: number | null;
  hourly_cap: number | null;
  daily_cap: number | null;
  warmup: number[] | null;
  working_hours: WorkingHours | null;
  burst: { size: number; pause_seconds: number } | null;
  health: HealthRule | null;
}

export const POLICY_OFF: SenderPolicy = Object.freeze({
  delay_jitter_seconds: null,
  hourly_cap: null,
  daily_cap: null,
  warmup: null,
  working_hours: null,
  burst: null,
  health: null,
});

/**
 * What a fresh install ships (see docs/sender-safety.md for the why): WAHA's advice of random
 * 30-60 s gaps, caps well under what new numbers are reported to survive, a five-day warm-up,
 * a pause after each burst, and a health rule that stops a number before WhatsApp does. No
 * working hours: Herald cannot guess the senders' time zone.
 */
export const CONSERVATIVE_POLICY: SenderPolicy = Object.freeze({
  delay_jitter_seconds: 30,
  hourly_cap: 60,
  daily_cap: 500,
  warmup: [20, 40, 80, 150, 300],
  working_hours: null,
  burst: { size: 20, pause_seconds: 300 },
  health: { max_consecutive_failures: 5, max_not_on_whatsapp_ratio: 0.3, window: 50 },
});

/** The policy in force for a sender: each field from its override when present, else global. */
export function resolvePolicy(
  global: SenderPolicyInput,
  override: SenderPolicyInput | null,
): SenderPolicy {
  const merged = { ...POLICY_OFF, ...global, ...(override ?? {}) };
  return {
    delay_jitter_seconds: merged.delay_jitter_seconds ?? null,
    hourly_cap: merged.hourly_cap ?? null,
    daily_cap: merged.daily_cap ?? null,
    warmup: merged.warmup ?? null,
    working_hours: merged.working_hours ?? null,
    burst: merged.burst ?? null,
    health: merged.health ?? null,
  };
}

/** The extra gap after a send, drawn once (when its outcome is recorded): uniform in [0, jitter]. */
export function drawJitterSeconds(policy: SenderPolicy, random = Math.random): number {
  const jitter = policy.delay_jitter_seconds ?? 0;
  return jitter > 0 ? random() * jitter : 0;
}
