// How a campaign's media is sent: WhatsApp shows pictures and mp4 inline; anything else goes as
// a document. GIFs go as documents too: WhatsApp only animates them when sent as video, which
// needs a conversion WAHA does not do here.

export type MediaKind = 'image' | 'video' | 'file';

export interface MediaFile {
  kind: MediaKind;
  mimetype: string;
  filename: string;
}

const IMAGES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};
const VIDEOS: Record<string, string> = { mp4: 'video/mp4', '3gp': 'video/3gpp', m4v: 'video/mp4' };
const DOCUMENTS: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  zip: 'application/zip',
  gif: 'image/gif',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
  mov: 'video/quicktime',
  webm: 'video/webm',
};
const OCTET_STREAM = 'application/octet-stream';
const KNOWN_TYPES = new Set([
  ...Object.values(IMAGES),
  ...Object.values(VIDEOS),
  ...Object.values(DOCUMENTS),
]);

/** The kind of send a media type takes. */
export function mediaKindOf(mimetype: string): MediaKind {
  if (Object.values(IMAGES).includes(mimetype)) return 'image';
  if (Object.values(VIDEOS).includes(mimetype)) return 'video';
  return 'file';
}

/** What a media URL names: its file name and the type its extension says. */
export function describeMedia(url: string): MediaFile {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // Not absolute: the gateway validates URLs, so use the text as it is.
  }
  const last = path.split('/').filter(Boolean).pop() ?? '';
  let filename = last;
  try {
    filename = decodeURIComponent(last);
  } catch {
    // Keep the raw segment when it is not valid percent-encoding.
  }
  const extension = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? '';
  filename ||= 'file';
  const mimetype = IMAGES[extension] ?? VIDEOS[extension] ?? DOCUMENTS[extension] ?? OCTET_STREAM;
  return { kind: mediaKindOf(mimetype), mimetype, filename };
}

/**
 * The type to send downloaded media as: the server's Content-Type when it is one WhatsApp takes,
 * else the URL's extension when the server gave none or a generic one; null when neither says
 * it is media WhatsApp can send.
 */
export function sendableMediaType(url: string, contentType: string): string | null {
  if (KNOWN_TYPES.has(contentType)) return contentType;
  const generic = contentType === '' || contentType === OCTET_STREAM;
  const fromUrl = describeMedia(url).mimetype;
  return generic && fromUrl !== OCTET_STREAM ? fromUrl : null;
}
