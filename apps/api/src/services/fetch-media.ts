import type { CampaignMedia } from '@herald/db';
import { describeMedia, HeraldError, sendableMediaType, validationError } from '@herald/domain';
import { downloadBounded, SafeHttpError } from '@herald/safe-http';
import type { AppDeps } from '../deps.ts';

/**
 * Fetches a campaign's media once, at submission, through the guarded agent: every connection's
 * address is checked (redirects and DNS answers included), and size, type and time are bounded.
 * The bytes are committed with the campaign and WAHA is given them, so no worker ever requests a
 * URL a user chose. Doing it here rather than in the dispatcher means a bad URL is the
 * submitter's 4xx, not 100,000 failed messages, and a crash cannot leave a half-fetched state:
 * nothing is written until the bytes are in hand.
 */
export async function fetchCampaignMedia(
  deps: Pick<AppDeps, 'config' | 'userUrls'>,
  url: string,
): Promise<CampaignMedia> {
  const { config, userUrls } = deps;
  try {
    const got = await downloadBounded(url, {
      agent: userUrls.agent,
      policy: userUrls.policy,
      maxBytes: config.mediaMaxBytes,
      timeoutMs: config.mediaFetchTimeoutMs,
      acceptType: (type) => sendableMediaType(url, type) !== null,
    });
    if (got.bytes.length === 0) {
      throw validationError('MEDIA_UNREACHABLE', 'The media URL answered with an empty file');
    }
    const mimetype = sendableMediaType(url, got.mimetype) as string;
    return { mimetype, filename: describeMedia(url).filename, data: got.bytes };
  } catch (error) {
    throw error instanceof SafeHttpError ? toHeraldError(error, config.mediaMaxBytes) : error;
  }
}

function toHeraldError(error: SafeHttpError, maxBytes: number): HeraldError {
  switch (error.code) {
    case 'INVALID_URL':
    case 'BLOCKED_ADDRESS':
      return validationError(
        'MEDIA_URL_NOT_ALLOWED',
        `media_url: ${error.message}. Use a public http(s) URL (an admin can allow internal hosts with MEDIA_ALLOWED_HOSTS).`,
      );
    case 'TOO_LARGE':
      return new HeraldError(
        'too_large',
        'MEDIA_TOO_LARGE',
        `The media is larger than ${maxBytes} bytes (MEDIA_MAX_BYTES)`,
        { max_bytes: maxBytes },
      );
    case 'UNSUPPORTED_TYPE':
      return validationError(
        'MEDIA_TYPE_NOT_SUPPORTED',
        `${error.message}: send an image (jpeg, png, webp), a video (mp4, 3gp) or a document (pdf, office, zip, audio …)`,
      );
    default:
      return validationError(
        'MEDIA_UNREACHABLE',
        `The media URL could not be fetched: ${error.message}`,
      );
  }
}
