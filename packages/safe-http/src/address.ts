import { isIP } from 'node:net';

/** Why an address may not be reached on a user's behalf; `public` is the only one allowed. */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'metadata'
  | 'reserved';

type Range = [prefix: number[], bits: number, cls: AddressClass];

// Checked in order, so the narrower metadata addresses come before the ranges that hold them.
const IPV4_RANGES: Range[] = [
  [[169, 254, 169, 254], 32, 'metadata'],
  [[100, 100, 100, 200], 32, 'metadata'],
  [[0, 0, 0, 0], 8, 'unspecified'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[10, 0, 0, 0], 8, 'private'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 168, 0, 0], 16, 'private'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[100, 64, 0, 0], 10, 'cgnat'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'reserved'],
  [[192, 88, 99, 0], 24, 'reserved'],
  [[198, 18, 0, 0], 15, 'reserved'],
  [[198, 51, 100, 0], 24, 'reserved'],
  [[203, 0, 113, 0], 24, 'reserved'],
];

const hex = (text: string) => text.match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? [];

const IPV6_RANGES: Range[] = [
  [hex('fd000ec2000000000000000000000254'), 128, 'metadata'],
  [hex('00000000000000000000000000000000'), 128, 'unspecified'],
  [hex('00000000000000000000000000000001'), 128, 'loopback'],
  [hex('fc'), 7, 'private'],
  [hex('fe80'), 10, 'link-local'],
  [hex('fec0'), 10, 'private'],
  [hex('ff'), 8, 'multicast'],
  [hex('0100'), 64, 'reserved'],
  [hex('20010db8'), 32, 'reserved'],
  [hex('20010000'), 32, 'reserved'],
];

// IPv6 forms that carry an IPv4 address, which decides: mapped (::ffff:a.b.c.d), compatible
// (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) at the end; 6to4 (2002:a.b.c.d::) after the prefix.
const EMBEDDED_IPV4: [prefix: number[], bits: number, offset: number][] = [
  [hex('00000000000000000000ffff'), 96, 12],
  [hex('000000000000000000000000'), 96, 12],
  [hex('0064ff9b0000000000000000'), 96, 12],
  [hex('2002'), 16, 2],
];

function matches(bytes: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i * 8 < bits; i += 1) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function classifyBytes(bytes: number[], ranges: Range[]): AddressClass {
  for (const [prefix, bits, cls] of ranges) if (matches(bytes, prefix, bits)) return cls;
  return 'public';
}

/** The 16 bytes of a well-formed IPv6 address (no brackets, no zone id). */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    tail.push(...v4.split('.').map(Number));
    text = `${text.slice(0, -v4.length)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const zeros = Array<string>(8 - left.length - right.length).fill('0');
  const words = [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16));
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/**
 * Normalises any spelling of a host the way every URL parser does (`0x7f000001`, `2130706433`,
 * `0177.0.0.1`, `127.1` all become `127.0.0.1`; IPv6 is compressed), so a check sees what a
 * connection would use. Returns null when it is not a valid host at all.
 */
export function normalizeHost(host: string): string | null {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  try {
    const hostname = new URL(`http://${isIP(bare) === 6 ? `[${bare}]` : bare}/`).hostname;
    return hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return null;
  }
}

/**
 * What kind of address an IP literal is, in any spelling; null when `host` is not an IP address
 * (a DNS name, which must be checked once resolved).
 */
export function classifyAddress(host: string): AddressClass | null {
  // A zone id (`fe80::1%eth0`) names an interface, not an address; URL parsers refuse it.
  const address = normalizeHost(host.replace(/%.*$/, ''));
  if (address === null) return null;
  const family = isIP(address);
  if (family === 4) return classifyBytes(address.split('.').map(Number), IPV4_RANGES);
  if (family !== 6) return null;
  const bytes = ipv6Bytes(address);
  const cls = classifyBytes(bytes, IPV6_RANGES);
  if (cls !== 'public') return cls;
  for (const [prefix, bits, offset] of EMBEDDED_IPV4) {
    if (matches(bytes, prefix, bits)) {
      return classifyBytes(bytes.slice(offset, offset + 4), IPV4_RANGES);
    }
  }
  return 'public';
}
