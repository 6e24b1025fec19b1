// Errors that say the database cannot take the request now, not that the request is wrong:
// no connection could be made or kept (class 08, refused, reset), the server refuses more
// connections (53300) or is starting, stopping or restarting (57P01-57P03).
const UNAVAILABLE_SQLSTATES = new Set(['53300', '57P01', '57P02', '57P03']);
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/** Whether `error` means the database is unavailable for now (a retry later may succeed). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
    if (UNAVAILABLE_SOCKET_CODES.has(code)) return true;
  }
  // node-postgres reports a connection that died mid-query without a code.
  return /^Connection terminated/.test(error.message);
}
