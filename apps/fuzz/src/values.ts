import type { Rng } from './rng.ts';

// Values for a JSON Schema (the subset zod-to-openapi writes), valid ones to reach deep into a
// handler and hostile ones to break it.

export type Schema = Record<string, unknown>;
export type Resolve = (schema: Schema) => Schema;

const asSchemas = (value: unknown): Schema[] => (Array.isArray(value) ? (value as Schema[]) : []);

/** Strings that have broken parsers, databases and renderers somewhere. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\ud800',
  '\udfff',
  'a\ud83dz',
  '\ud83d\ude00',
  '\u0000',
  'a\u0000b',
  '\u202eevil',
  '\r\n\r\nX-Injected: 1',
  '%00',
  '%ED%A0%80',
  '../../../../etc/passwd',
  "' OR 1=1 --",
  '"; DROP TABLE campaigns; --',
  '<script>alert(1)</script>',
  '{{a}}'.repeat(819),
  '{{__proto__}}',
  '{{constructor}}',
  '9'.repeat(400),
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  'true',
  'null',
  '2024-13-45T99:99:99Z',
  '+21642108077',
  '0021642108077',
  '٤٢١٠٨٠٧٧',
  'http://169.254.169.254/latest/meta-data/',
  'http://0x7f000001/a.png',
  'http://[::ffff:127.0.0.1]/a.png',
  'http://user:pw@127.0.0.1/a.png',
  'file:///etc/passwd',
  'javascript:alert(1)',
  '\\',
  '\\u0000',
];

const NASTY_NUMBERS: readonly unknown[] = [
  -1,
  0,
  -0,
  1.5,
  2 ** 31,
  2 ** 53 + 2,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
];

const HUGE_SIZES = [5_000, 70_000, 1_000_000];

/** A value that satisfies the schema as far as it can be read. */
export function validValue(schema: Schema, rng: Rng, resolve: Resolve, depth = 0): unknown {
  const s = resolve(schema);
  if (s.example !== undefined && rng.chance(0.6)) return s.example;
  if (Array.isArray(s.enum) && s.enum.length > 0) return rng.pick(s.enum);
  const union = [...asSchemas(s.anyOf), ...asSchemas(s.oneOf)];
  if (union.length > 0) return validValue(rng.pick(union), rng, resolve, depth + 1);
  const type = Array.isArray(s.type) ? rng.pick(s.type as string[]) : s.type;
  switch (type) {
    case 'string':
      return validString(s, rng);
    case 'integer':
      return Math.max(Number(s.minimum ?? 0), rng.int(10) + 1);
    case 'number':
      return Math.max(Number(s.minimum ?? 0), rng.int(10) / 2);
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'array': {
      if (depth > 4) return [];
      const n = Math.max(Number(s.minItems ?? 0), rng.int(3));
      return Array.from({ length: n }, () =>
        validValue((s.items as Schema) ?? {}, rng, resolve, depth + 1),
      );
    }
    case 'object':
      return validObject(s, rng, resolve, depth);
    default:
      return rng.pick(['x', 1, true, null]);
  }
}

function validString(s: Schema, rng: Rng): string {
  if (s.format === 'uri') return rng.pick(['https://media.invalid/a.png', 'http://10.0.0.1/x.jpg']);
  if (s.format === 'date-time') return new Date(Date.now() - rng.int(1e9)).toISOString();
  const min = Number(s.minLength ?? 1);
  return rng.pick(['21642108077', '42108077', 'hello', 'a'.repeat(Math.max(min, 1))]);
}

function validObject(s: Schema, rng: Rng, resolve: Resolve, depth: number) {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(props)) {
    if (required.has(name) || rng.chance(0.5))
      out[name] = validValue(prop, rng, resolve, depth + 1);
  }
  if (Object.keys(props).length === 0 && s.additionalProperties && depth < 4) {
    out[`k${rng.int(5)}`] = validValue(s.additionalProperties as Schema, rng, resolve, depth + 1);
  }
  return out;
}

/** A value of the wrong type, a boundary, or something hostile. */
export function hostileValue(rng: Rng): unknown {
  switch (rng.int(9)) {
    case 0:
      return rng.pick(NASTY_NUMBERS);
    case 1:
      return rng.pick([null, true, false, [], {}, [[[]]], { a: { b: { c: {} } } }]);
    case 2:
      return 'x'.repeat(rng.pick(HUGE_SIZES));
    case 3:
      return Array.from({ length: rng.pick([100, 5_000, 120_000]) }, (_, i) =>
        rng.pick([i, `${i}`, null]),
      );
    case 4:
      return Object.fromEntries(
        Array.from({ length: rng.pick([200, 5_000]) }, (_, i) => [`k${i}`, 'v']),
      );
    case 5:
      return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {}}}');
    default:
      return rng.pick(NASTY_STRINGS);
  }
}

/** The value with one place in it (the value itself, a field or an item) made hostile. */
export function mutateValue(value: unknown, rng: Rng, depth = 0): unknown {
  if (depth > 5 || rng.chance(0.35)) return hostileValue(rng);
  if (Array.isArray(value) && value.length > 0) {
    const copy = [...value];
    const i = rng.int(copy.length);
    copy[i] = mutateValue(copy[i], rng, depth + 1);
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const choice = rng.int(10);
    if (keys.length === 0 || choice === 0) copy[rng.pick(NASTY_STRINGS) || 'k'] = hostileValue(rng);
    else if (choice === 1) delete copy[rng.pick(keys)];
    else {
      const key = rng.pick(keys);
      copy[key] = mutateValue(copy[key], rng, depth + 1);
    }
    return copy;
  }
  return hostileValue(rng);
}
