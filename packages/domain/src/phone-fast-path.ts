import { type CountryCode, Metadata } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/metadata.max';

/**
 * A cheaper parse of plain digit strings that answers exactly as libphonenumber-js (max metadata)
 * does, or not at all. It mirrors the library's parse + isValid for the common case only, with
 * each pattern compiled once (the library rebuilds a RegExp per match and spreads options per
 * call: ~20 µs a number, half the gateway's CPU on a large campaign). Whenever the library would
 * take a branch this code does not mirror (a carrier code or transform rule, an IDD prefix, a
 * national number that starts with its own calling code, a plan without types), it
 * returns FALL_BACK and the caller runs the library itself. The equivalence is tested over every
 * calling code and a broad range of inputs (packages/domain/test/phone.test.ts).
 */
export const FALL_BACK = Symbol('fall back to the full parser');
export type FastVerdict = string | null | typeof FALL_BACK;

/** The library's accessors this code reads; its typings only declare the constructor. */
interface MetadataReader {
  hasCallingCode(code: string): boolean;
  getCountryCodesForCallingCode(code: string): string[] | undefined;
  selectNumberingPlan(countryOrCallingCode: string): MetadataReader;
  numberingPlan: PlanReader;
}
interface PlanReader {
  callingCode(): string;
  IDDPrefix(): string;
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

// The library's order: fixed line first, then these (getNumberType.js).
const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];
const MIN_LENGTH_FOR_NSN = 2;
const MAX_LENGTH_FOR_NSN = 17;
const MAX_LENGTH_COUNTRY_CODE = 3;

interface CompiledPlan {
  callingCode: string;
  national: RegExp;
  possibleLengths: number[] | undefined;
  /** Null when the plan has no types: the library's other branch, not mirrored. */
  valid: ((nationalNumber: string) => boolean) | null;
  /** Matches where the library would strip a national prefix or carrier code. */
  nationalPrefix: RegExp | null;
  /** Unanchored, as the library searches it: a match must start at 0. */
  idd: RegExp;
  leadingDigits: RegExp | null;
}

const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);

const reader = new Metadata(metadataJson) as unknown as MetadataReader;
const plans = new Map<string, CompiledPlan>();

function compilePlan(countryOrCallingCode: string): CompiledPlan {
  const plan = reader.selectNumberingPlan(countryOrCallingCode).numberingPlan;
  const npfp = plan.nationalPrefixForParsing();
  const leading = plan.leadingDigits();
  return {
    callingCode: plan.callingCode(),
    national: whole(plan.nationalNumberPattern()),
    possibleLengths: plan.possibleLengths(),
    valid: plan.hasTypes() ? compileValidity(plan) : null,
    nationalPrefix: npfp ? new RegExp(`^(?:${npfp})`) : null,
    idd: new RegExp(plan.IDDPrefix()),
    leadingDigits: leading ? new RegExp(leading) : null,
  };
}

/** getNumberType(...) !== undefined: the national pattern, then any type of the right length. */
function compileValidity(plan: PlanReader): (nationalNumber: string) => boolean {
  const national = whole(plan.nationalNumberPattern());
  const types = TYPES.flatMap((name) => {
    const type = plan.type(name);
    const pattern = type?.pattern();
    if (!type || !pattern) return [];
    return [{ pattern: whole(pattern), lengths: type.possibleLengths() }];
  });
  return (nn) =>
    national.test(nn) &&
    types.some((t) => (!t.lengths || t.lengths.includes(nn.length)) && t.pattern.test(nn));
}

function planOf(countryOrCallingCode: string): CompiledPlan {
  let plan = plans.get(countryOrCallingCode);
  if (!plan) {
    plan = compilePlan(countryOrCallingCode);
    plans.set(countryOrCallingCode, plan);
  }
  return plan;
}

/** getCountryByCallingCode: the only country, else the first whose leading digits or types fit. */
function countryOf(callingCode: string, nationalNumber: string): string | undefined {
  const countries = reader.getCountryCodesForCallingCode(callingCode);
  if (!countries) return undefined;
  if (countries.length === 1) return countries[0];
  for (const country of countries) {
    const plan = planOf(country);
    if (plan.leadingDigits) {
      if (nationalNumber && nationalNumber.search(plan.leadingDigits) === 0) return country;
    } else if (plan.valid?.(nationalNumber)) {
      return country;
    }
  }
  return undefined;
}

/**
 * extractNationalNumber: strips a plain national prefix (`0`, `8` …) unless the number was a
 * valid national number only with it, or too short without it. Carrier codes and transform
 * rules (captured groups) are not mirrored.
 */
function stripNationalPrefix(
  callingCode: string,
  plan: CompiledPlan,
  number: string,
): string | typeof FALL_BACK {
  const match = plan.nationalPrefix?.exec(number);
  if (!match) return number;
  const groups = match.length - 1;
  if (groups > 0 && match[groups]) return FALL_BACK;
  const stripped = number.slice(match[0].length);
  if (stripped === number) return number;
  if (plan.national.test(number) && !plan.national.test(stripped)) return number;
  if (!plan.possibleLengths) return stripped;
  const country = countryOf(callingCode, stripped);
  const lengths = country ? planOf(country).possibleLengths : plan.possibleLengths;
  return isPossibleIncomplete(stripped.length, lengths) ? stripped : number;
}

/** checkNumberLength is neither TOO_SHORT nor INVALID_LENGTH (TOO_LONG counts as possible). */
function isPossibleIncomplete(length: number, lengths: number[] | undefined): boolean {
  if (!lengths || lengths.length === 0) return true;
  const min = lengths[0] as number;
  if (length === min) return true;
  if (length < min) return false;
  if ((lengths[lengths.length - 1] as number) < length) return true;
  return lengths.indexOf(length, 1) >= 0;
}

/** The parse's outcome once the calling code is known, `plan` being the one selected by then. */
function judge(callingCode: string, plan: CompiledPlan, number: string): FastVerdict {
  const nationalNumber = stripNationalPrefix(callingCode, plan, number);
  if (nationalNumber === FALL_BACK) return FALL_BACK;
  if (nationalNumber.length < MIN_LENGTH_FOR_NSN || nationalNumber.length > MAX_LENGTH_FOR_NSN) {
    return null;
  }
  const country = countryOf(callingCode, nationalNumber);
  const chosen = country ? planOf(country) : plan;
  if (!chosen.valid) return FALL_BACK;
  return chosen.valid(nationalNumber) ? callingCode + nationalNumber : null;
}

/** As `parsePhoneNumberFromString('+' + digits)?.isValid()`, for digits only. */
export function fastInternational(digits: string): FastVerdict {
  if (digits[0] === '0') return null;
  for (let i = 1; i <= MAX_LENGTH_COUNTRY_CODE && i <= digits.length; i++) {
    const callingCode = digits.slice(0, i);
    if (reader.hasCallingCode(callingCode)) {
      // The calling code's main country's plan decides about a national prefix.
      const rest = digits.slice(i);
      return rest === '' ? null : judge(callingCode, planOf(callingCode), rest);
    }
  }
  return null;
}

/** As `parsePhoneNumberFromString(digits, country)?.isValid()`, for digits only. */
export function fastNational(digits: string, country: CountryCode): FastVerdict {
  const plan = planOf(country);
  if (digits.search(plan.idd) === 0) return FALL_BACK;
  if (digits.startsWith(plan.callingCode)) return FALL_BACK;
  return judge(plan.callingCode, plan, digits);
}
