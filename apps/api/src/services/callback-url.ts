import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { validationError } from '@herald/domain';
import { assertPublicAddress, checkUrl, createHostPolicy, SafeHttpError } from '@herald/safe-http';

const NO_ALLOWED_HOSTS = createHostPolicy();

/**
 * A campaign's webhook target must be a public address unless CLIENT_WEBHOOK_ALLOW_PRIVATE is
 * set: checked here so the client hears about it at once (400), and again on every connection
 * the dispatcher makes, since a name may resolve differently later.
 */
export async function assertCallbackUrlAllowed(url: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  try {
    const host = checkUrl(url, NO_ALLOWED_HOSTS).hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) === 0) {
      for (const { address } of await lookup(host, { all: true })) assertPublicAddress(address);
    }
  } catch (error) {
    const reason =
      error instanceof SafeHttpError ? error.message : 'The host name does not resolve';
    throw validationError(
      'CALLBACK_URL_REFUSED',
      `callback_url is refused: ${reason}. Webhooks go to public addresses only (an admin may allow private ones with CLIENT_WEBHOOK_ALLOW_PRIVATE=true)`,
    );
  }
}
