import { createPhoneNormalizer, validationError } from '@herald/domain';
import type { Request } from 'express';
import type { ApiConfig } from '../config.ts';
import type { Caller } from '../http/auth.ts';

type Country = ApiConfig['defaultCountry'];

/**
 * Whose data a request may see. Users are not authenticated, so they must name their sender
 * number (query `sender_number` or header `X-Sender-Number`) and see only that sender's data;
 * an admin may name one to narrow the view, or none to see everything (undefined).
 */
export function resolveSenderScope(
  caller: Caller,
  given: string | undefined,
  defaultCountry: Country,
): string | undefined {
  if (caller.kind === 'admin' && (given === undefined || given.trim() === '')) return undefined;
  return requireSenderNumber(given, defaultCountry);
}

/** `resolveSenderScope` for the sender a request names, in `?sender_number=` or X-Sender-Number. */
export function requestSenderScope(
  caller: Caller,
  query: string | undefined,
  req: Request,
  defaultCountry: Country,
): string | undefined {
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
