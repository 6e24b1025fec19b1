export type SafeHttpErrorCode =
  | 'INVALID_URL'
  | 'BLOCKED_ADDRESS'
  | 'TOO_MANY_REDIRECTS'
  | 'HTTP_STATUS'
  | 'UNSUPPORTED_TYPE'
  | 'TOO_LARGE'
  | 'TIMEOUT'
  | 'UNREACHABLE';

/** Why a guarded request was refused or failed; the message names no internal address. */
export class SafeHttpError extends Error {
  readonly code: SafeHttpErrorCode;
  constructor(code: SafeHttpErrorCode, message: string) {
    super(message);
    this.name = 'SafeHttpError';
    this.code = code;
  }
}
