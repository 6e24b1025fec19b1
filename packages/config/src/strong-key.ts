import { z } from 'zod';

/** Words found in example values: a key that contains one was copied, not chosen. */
const PLACEHOLDER_WORDS = [
  'change-me',
  'changeme',
  'change_me',
  'replace',
  'example',
  'placeholder',
  'password',
  'secret',
  'your-key',
  'admin-key-here',
];

/** At least this many different characters: `aaaa…` or `abab…` is not a key, whatever its length. */
const MIN_DISTINCT_CHARS = 8;

/** Why `key` is too weak to guard admin access, or null when it is acceptable. */
export function weakKeyReason(key: string, minLength: number): string | null {
  if (key.length < minLength) return `is ${key.length} characters; use at least ${minLength}`;
  const lower = key.toLowerCase();
  const word = PLACEHOLDER_WORDS.find((w) => lower.includes(w));
  if (word) return `contains the placeholder "${word}"; set a random value`;
  if (new Set(key).size < MIN_DISTINCT_CHARS) {
    return `uses fewer than ${MIN_DISTINCT_CHARS} different characters; set a random value`;
  }
  if (/^(.{1,12})\1+$/.test(key)) return 'repeats one short pattern; set a random value';
  return null;
}

/**
 * A secret that guards access: refused at start, with one line saying why, when it is short,
 * has little variety or is a placeholder. `openssl rand -base64 32` gives a good one.
 */
export const strongKey = (minLength: number) =>
  z.string().superRefine((key, ctx) => {
    const reason = weakKeyReason(key, minLength);
    if (reason)
      ctx.addIssue({ code: 'custom', message: `${reason} (e.g. openssl rand -base64 32)` });
  });
