import { createPhoneNormalizer, validationError } from '@herald/domain';
import type { Request } from 'express';
import type { ApiConfig } from '../config.ts';
import type { Caller } from '../http/auth.ts';

type Country = ApiConfig['defaultCountry'];

/**
 * Whose data a request may see. A user must name their sender number (query `sender_number` or
 * header `X-Sender-Number`), or present its token, and sees only that sender's data; an admin may
 * name one to narrow the view, or none to see everything (undefined). A token holder who names
 * another number sees nothing (null), exactly as for a number with no data.
 */
export function resolveSenderScope(
  caller: Caller,
  given: string | undefined,
  defaultCountry: Country,
): string | undefined | null {
  const named = given === undefined || given.trim() === '' ? undefined : given;
  if (caller.kind === 'admin' && named === undefined) return undefined;
  if (caller.kind === 'user' && caller.sender !== null) {
    if (named === undefined) return caller.sender;
    return requireSenderNumber(named, defaultCountry) === caller.sender ? caller.sender : null;
  }
  return requireSenderNumber(named, defaultCountry);
}

/**
 * Whether the caller may see the resources of sender `phone`: an admin always; a token holder
 * only its own; a caller without a token only under USER_AUTH=open (the documented model).
 */
export function maySeeSender(caller: Caller, phone: string): boolean {
  return caller.kind === 'admin' || caller.sender === null || caller.sender === phone;
}

/** `resolveSenderScope` for the sender a request names, in `?sender_number=` or X-Sender-Number. */
export function requestSenderScope(
  caller: Caller,
  query: string | undefined,
  req: Request,
  defaultCountry: Country,
): string | undefined | null {
  return resolveSenderScope(caller, query ?? req.get('x-sender-number'), defaultCountry);
}

/** The normalised sender number a request names; 400 when it is missing or not a phone number. */
export function requireSenderNumber(given: string | undefined, defaultCountry: Country): string {
  if (given === undefined || given.trim() === '') {
    throw validationError(
      'SENDER_NUMBER_REQUIRED',
      'Say which sender this is about: add ?sender_number=<number> or an X-Sender-Number header',
    );
  }
  const phone = createPhoneNormalizer(defaultCountry)(given);
  if (phone === null) {
    throw validationError('INVALID_SENDER_NUMBER', `"${given}" is not a valid phone number`, {
      sender_number: given,
    });
  }
  return phone;
}

/** A parser of phone numbers in paths and bodies: normalised, or 400 INVALID_PHONE_NUMBER. */
export function createPhoneParser(defaultCountry: Country): (raw: string) => string {
  const normalize = createPhoneNormalizer(defaultCountry);
  return (raw) => {
    const phone = normalize(raw);
    if (phone === null) {
      throw validationError('INVALID_PHONE_NUMBER', `"${raw}" is not a valid phone number`, {
        phone_number: raw,
      });
    }
    return phone;
  };
}
