import {
  type CountryCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';
import { FALL_BACK, fastInternational, fastNational } from './phone-fast-path.ts';

export type { CountryCode };

export type PhoneNormalizer = (raw: string) => string | null;

/**
 * Turns what a user typed into international digits without `+` (WAHA's chat ids are
 * `<digits>@c.us`). A number with `+` or `00` is international; bare digits are tried as
 * international first and then as a national number of `defaultCountry`, since the spec's own
 * example sender `42108077` is a national Tunisian number. Returns null when neither is valid.
 */
export function createPhoneNormalizer(defaultCountry: CountryCode): PhoneNormalizer {
  return (raw) => {
    const compact = raw.trim().replace(/[\s().-]/g, '');
    if (!/^(\+|00)?\d{4,17}$/.test(compact)) return null;
    const digits = compact.replace(/^(\+|00)/, '');
    const explicit = compact.startsWith('+') || compact.startsWith('00');
    // Exact either way: the fast path answers only where it mirrors the library.
    const fast = fastInternational(digits);
    const international = fast === FALL_BACK ? parseInternational(digits) : fast;
    if (international !== null || explicit) return international;
    const national = fastNational(digits, defaultCountry);
    return national !== FALL_BACK ? national : parseNational(digits, defaultCountry);
  };
}

/** The library's own answers, which the fast path must equal (and falls back to). */
export function parseInternational(digits: string): string | null {
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  return parsed?.isValid() ? parsed.number.slice(1) : null;
}

export function parseNational(digits: string, country: CountryCode): string | null {
  const parsed = parsePhoneNumberFromString(digits, country);
  return parsed?.isValid() ? parsed.number.slice(1) : null;
}

export const isCountryCode = (value: string): value is CountryCode => isSupportedCountry(value);

/** WAHA's chat id for a personal number. */
export const toChatId = (digits: string) => `${digits}@c.us`;
