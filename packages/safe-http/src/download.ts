import type { Dispatcher } from 'undici';
import { SafeHttpError } from './errors.ts';
import { checkUrl, type HostPolicy } from './host-policy.ts';

export interface DownloadLimits {
  maxBytes: number;
  /** For the whole download, redirects included. */
  timeoutMs: number;
  maxRedirects?: number;
  /** Decides on the response's media type (lower case, without parameters). */
  acceptType?: (mimetype: string) => boolean;
}

export interface Downloaded {
  bytes: Buffer;
  /** The response's media type, lower case, without parameters; '' when absent. */
  mimetype: string;
  /** The URL the bytes came from, after redirects. */
  finalUrl: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GETs a user-supplied URL through a guarded agent: each hop's URL is checked, the agent checks
 * each connection's address, and the size, type and total time are bounded. Redirects are
 * followed here, one checked hop at a time, so no hop escapes the checks.
 */
export async function downloadBounded(
  url: string,
  options: DownloadLimits & { agent: Dispatcher; policy: HostPolicy },
): Promise<Downloaded> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let current = checkUrl(url, options.policy);
  for (let hop = 0; ; hop += 1) {
    const { origin, pathname, search } = new URL(current);
    const response = await options.agent
      .request({
        origin,
        path: pathname + search,
        method: 'GET',
        signal,
        headers: { accept: '*/*', 'user-agent': 'Herald media fetcher' },
      })
      .catch((error: unknown) => {
        throw toSafeHttpError(error, signal);
      });
    const location = response.headers.location;
    if (REDIRECTS.has(response.statusCode) && typeof location === 'string') {
      await response.body.dump().catch(() => undefined);
      if (hop >= (options.maxRedirects ?? 3)) {
        throw new SafeHttpError('TOO_MANY_REDIRECTS', 'The URL redirects too many times');
      }
      current = checkUrl(new URL(location, current).toString(), options.policy);
      continue;
    }
    if (response.statusCode < 200 || response.statusCode > 299) {
      await response.body.dump().catch(() => undefined);
      throw new SafeHttpError('HTTP_STATUS', `The URL answered HTTP ${response.statusCode}`);
    }
    const type = response.headers['content-type'];
    const mimetype = (typeof type === 'string' ? type : '').split(';')[0]?.trim().toLowerCase();
    if (options.acceptType && !options.acceptType(mimetype ?? '')) {
      await response.body.dump().catch(() => undefined);
      throw new SafeHttpError(
        'UNSUPPORTED_TYPE',
        `The URL's content type "${mimetype}" is not accepted`,
      );
    }
    const bytes = await readBounded(
      response.body,
      response.headers['content-length'],
      options.maxBytes,
      signal,
    );
    return { bytes, mimetype: mimetype ?? '', finalUrl: current.toString() };
  }
}

async function readBounded(
  body: Dispatcher.ResponseData['body'],
  declared: string | string[] | undefined,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Buffer> {
  const tooLarge = () =>
    new SafeHttpError('TOO_LARGE', `The content is larger than ${maxBytes} bytes`);
  if (typeof declared === 'string' && Number(declared) > maxBytes) {
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        body.destroy();
        throw tooLarge();
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw toSafeHttpError(error, signal);
  }
  return Buffer.concat(chunks, total);
}

function toSafeHttpError(error: unknown, signal: AbortSignal): SafeHttpError {
  if (error instanceof SafeHttpError) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof SafeHttpError) return cause;
  if (signal.aborted) return new SafeHttpError('TIMEOUT', 'The URL did not answer in time');
  return new SafeHttpError('UNREACHABLE', 'The URL could not be fetched');
}
