import { HeraldError } from '@herald/domain';

// What a request body may cost before any handler sees it. The byte limit alone does not bound
// memory: 13 MB of `[{},{},…]` parses into millions of objects, so the number of containers is
// counted on the raw bytes first, and strings are checked once parsed.

/** Bytes of JSON allowed per recipient in the default body limit; a number is ~15, an item with variables ~60. */
const BYTES_PER_RECIPIENT = 128;
const BASE_BODY_BYTES = 1024 * 1024;

/** The default JSON body limit, in bytes: room for MAX_RECIPIENTS recipients and the rest. */
export function defaultBodyLimit(maxRecipients: number): number {
  return BASE_BODY_BYTES + maxRecipients * BYTES_PER_RECIPIENT;
}

/** Objects and arrays allowed in one body: a recipient item and its variables, plus slack. */
export function maxJsonContainers(maxRecipients: number): number {
  return 2 * maxRecipients + 1000;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Counts `{` and `[` outside strings in raw JSON bytes, refusing the body as soon as there are
 * more than `max`. One pass, no allocation; runs before JSON.parse.
 */
export function assertJsonContainersAtMost(bytes: Buffer, max: number): void {
  let containers = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i += 1;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      containers += 1;
      if (containers > max) {
        throw new HeraldError(
          'too_large',
          'PAYLOAD_TOO_COMPLEX',
          `The request body has more than ${max} JSON objects and arrays`,
          { max_containers: max },
        );
      }
    }
  }
}

/**
 * Refuses any string (value or key) of parsed input that is not well-formed Unicode or holds
 * NUL, so no such text reaches a handler or the database. Iterative: depth cannot overflow.
 */
export function assertWellFormedText(value: unknown, where: string): void {
  const stack: [unknown, string][] = [[value, where]];
  // Paths are for the message only; a key may be long.
  const at = (path: string) => path.slice(0, 200);
  while (stack.length > 0) {
    const [item, path] = stack.pop() as [unknown, string];
    if (typeof item === 'string') {
      assertText(item, at(path));
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i -= 1) stack.push([item[i], `${path}.${i}`]);
    } else if (item !== null && typeof item === 'object') {
      for (const [key, inner] of Object.entries(item)) {
        assertText(key, at(`${path}.${key}`));
        stack.push([inner, `${path}.${key}`]);
      }
    }
  }
}

function assertText(text: string, path: string): void {
  // `JSON.parse` accepts a lone surrogate (`"\ud800"`); Postgres refuses it, as it refuses NUL.
  if (!text.isWellFormed()) {
    throw new HeraldError(
      'validation',
      'MALFORMED_UNICODE',
      `${path}: not well-formed Unicode (a lone UTF-16 surrogate)`,
      { path },
    );
  }
  if (text.includes('\u0000')) {
    throw new HeraldError('validation', 'VALIDATION_FAILED', `${path}: must not contain NUL`, [
      { path, message: 'must not contain NUL' },
    ]);
  }
}
