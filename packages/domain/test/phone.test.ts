import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import {
  type CountryCode,
  createPhoneNormalizer,
  parseInternational,
  parseNational,
} from '../src/phone.ts';
import { FALL_BACK, fastInternational, fastNational } from '../src/phone-fast-path.ts';

/** A seeded generator, so a failure names inputs that reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Digit strings around every country's real numbers: each example mobile (international and
 * national), with digits changed, cut, doubled and prefixed (0, 00, the calling code, the IDD),
 * plus random strings of every length the normaliser accepts.
 */
function inputs(): string[] {
  const next = random(42);
  const digit = () => String(Math.floor(next() * 10));
  const randomDigits = (n: number) => Array.from({ length: n }, digit).join('');
  const out = new Set<string>();
  for (const country of getCountries()) {
    const national = examples[country];
    if (!national) continue;
    const code = getCountryCallingCode(country);
    const bases = [national, code + national, `0${national}`, `${code}0${national}`];
    for (const base of bases) {
      out.add(base);
      for (let k = 0; k < 6; k++) {
        const at = Math.floor(next() * base.length);
        out.add(base.slice(0, at) + digit() + base.slice(at + 1));
        out.add(base.slice(0, at) + base.slice(at + 1));
        out.add(base.slice(0, at) + digit() + base.slice(at));
        out.add(base.slice(0, -2) + randomDigits(2));
      }
    }
  }
  for (let length = 4; length <= 17; length++) {
    for (let k = 0; k < 600; k++) out.add(randomDigits(length));
  }
  return [...out].filter((s) => /^\d{1,17}$/.test(s));
}

const DEFAULT_COUNTRIES: CountryCode[] = ['TN', 'US', 'GB', 'RU', 'BR', 'IN', 'AR', 'IT'];

/** The normaliser as it was before the fast path: the library alone. */
function referenceNormalizer(defaultCountry: CountryCode) {
  return (raw: string) => {
    const compact = raw.trim().replace(/[\s().-]/g, '');
    if (!/^(\+|00)?\d{4,17}$/.test(compact)) return null;
    const digits = compact.replace(/^(\+|00)/, '');
    const international = parseInternational(digits);
    if (international !== null) return international;
    if (compact.startsWith('+') || compact.startsWith('00')) return null;
    return parseNational(digits, defaultCountry);
  };
}

describe('phone normalisation fast path', () => {
  const all = inputs();

  it('answers every international input exactly as libphonenumber does', () => {
    let answered = 0;
    for (const digits of all) {
      const fast = fastInternational(digits);
      if (fast === FALL_BACK) continue;
      answered++;
      assert.equal(fast, parseInternational(digits), `+${digits}`);
    }
    // Most inputs must take the fast path, or it is not one.
    assert.ok(answered > all.length * 0.8, `${answered} of ${all.length} answered`);
  });

  it('answers every national input exactly as libphonenumber does, for many default countries', () => {
    for (const country of DEFAULT_COUNTRIES) {
      for (const digits of all) {
        const fast = fastNational(digits, country);
        if (fast === FALL_BACK) continue;
        assert.equal(fast, parseNational(digits, country), `${digits} in ${country}`);
      }
    }
  });

  it('normalises typed input exactly as the library alone did, in every spelling', () => {
    for (const country of ['TN', 'US', 'GB'] as const) {
      const normalize = createPhoneNormalizer(country);
      const reference = referenceNormalizer(country);
      // Every third input: the reference is the slow parse this replaces.
      for (const digits of all.filter((_, i) => i % 3 === 0)) {
        for (const typed of [
          digits,
          `+${digits}`,
          `00${digits}`,
          ` ${digits.slice(0, 3)} ${digits.slice(3)}`,
        ]) {
          assert.equal(
            normalize(typed),
            reference(typed),
            `${JSON.stringify(typed)} in ${country}`,
          );
        }
      }
    }
    const normalize = createPhoneNormalizer('TN');
    assert.equal(normalize('42108077'), '21642108077');
    assert.equal(normalize('+216 42 108 077'), '21642108077');
    assert.equal(normalize('(98) 000-001'), '21698000001');
    assert.equal(normalize('+0021642108077'), null);
    assert.equal(normalize('not a number'), null);
  });
});
