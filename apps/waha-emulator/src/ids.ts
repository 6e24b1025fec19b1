import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID (48-bit time, 80 random bits, Crockford base32); WAHA lowercases it in ids. */
export function generateUlid(now = Date.now()): string {
  let time = '';
  let rest = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(rest % 32) + time;
    rest = Math.floor(rest / 32);
  }
  let random = '';
  for (const byte of randomBytes(16)) random += CROCKFORD.charAt(byte % 32);
  return time + random;
}

/** `evt_<ulid>` and `session_<ulid>`, lowercase as WAHA writes them. */
export function generatePrefixedId(prefix: string): string {
  return `${prefix}_${generateUlid().toLowerCase()}`;
}

// Message ids are drawn on every send: one random pool refilled now and then costs far less
// than a randomBytes call (and its buffer) per message.
const POOL_BYTES = 9 * 1024;
let pool = Buffer.alloc(0);
let offset = 0;

/** The engines' own message ids look like `3EB0` followed by uppercase hex. */
export function generateMessageId(): string {
  if (offset + 9 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  offset += 9;
  return `3EB0${pool.toString('hex', offset - 9, offset).toUpperCase()}`;
}

/** What WAHA generates when no usable key is configured: a dashless UUID. */
export function generateApiKey(): string {
  return randomUUID().replaceAll('-', '');
}

/** Request id of one webhook delivery (WAHA uses `uniqid`: time-based hex, no dashes). */
export function generateRequestId(): string {
  return `${Date.now().toString(16)}${randomBytes(4).toString('hex')}`;
}

/** A value shaped like a multi-device pairing QR: `2@<ref>,<noise key>,<identity key>,<adv secret>`. */
export function generateQrValue(): string {
  const part = (bytes: number) => randomBytes(bytes).toString('base64');
  return `2@${part(48)},${part(32)},${part(32)},${part(32)}`;
}

const PAIRING_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTVWXYZ';

/** Eight characters shown as `ABCD-EFGH`, as WAHA formats the phone pairing code. */
export function generatePairingCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += PAIRING_ALPHABET.charAt(randomInt(PAIRING_ALPHABET.length));
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}
