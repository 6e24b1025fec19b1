import { toChatId } from '@herald/domain';
import type { SentMessage, WahaClient } from '@herald/waha';

export type MediaKind = 'image' | 'video' | 'file';

export interface MediaFile {
  kind: MediaKind;
  mimetype: string;
  filename: string;
}

// WhatsApp shows these inline; anything else goes as a document. GIFs go as documents too:
// WhatsApp only animates them when sent as video, which needs a conversion WAHA does not do here.
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

/** How to send a campaign's media: the WAHA route and MIME type follow the URL's extension. */
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
  const image = IMAGES[extension];
  if (image) return { kind: 'image', mimetype: image, filename };
  const video = VIDEOS[extension];
  if (video) return { kind: 'video', mimetype: video, filename };
  return { kind: 'file', mimetype: DOCUMENTS[extension] ?? 'application/octet-stream', filename };
}

export interface OutgoingMessage {
  wahaSession: string;
  recipient: string;
  body: string;
  mediaUrl: string | null;
}

/** One WAHA send: text, or the media with the body as its caption. */
export function sendCampaignMessage(
  client: WahaClient,
  message: OutgoingMessage,
  options: { timeoutMs: number },
): Promise<SentMessage> {
  const chatId = toChatId(message.recipient);
  const session = message.wahaSession;
  if (!message.mediaUrl) return client.sendText({ session, chatId, text: message.body }, options);
  const media = describeMedia(message.mediaUrl);
  const input = {
    session,
    chatId,
    caption: message.body,
    file: { url: message.mediaUrl, mimetype: media.mimetype, filename: media.filename },
  };
  switch (media.kind) {
    case 'image':
      return client.sendImage(input, options);
    case 'video':
      return client.sendVideo(input, options);
    case 'file':
      return client.sendFile(input, options);
  }
}

/** Whether WhatsApp knows the recipient; a lookup, so no failure of it can have sent anything. */
export async function recipientExists(
  client: WahaClient,
  message: Pick<OutgoingMessage, 'wahaSession' | 'recipient'>,
): Promise<boolean> {
  const { numberExists } = await client.checkNumberExists({
    session: message.wahaSession,
    phone: message.recipient,
  });
  return numberExists;
}
