import { mediaKindOf, toChatId } from '@herald/domain';
import type { SentMessage, WahaClient } from '@herald/waha';

export interface OutgoingMessage {
  wahaSession: string;
  recipient: string;
  body: string;
  /** The campaign's media as the gateway fetched it: WAHA gets the bytes, never a user's URL. */
  media: OutgoingMedia | null;
}

export interface OutgoingMedia {
  mimetype: string;
  filename: string;
  /** Raw base64, as WAHA's `file.data` takes it. */
  base64: string;
}

/** One WAHA send: text, or the media with the body as its caption. */
export function sendCampaignMessage(
  client: WahaClient,
  message: OutgoingMessage,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<SentMessage> {
  const chatId = toChatId(message.recipient);
  const session = message.wahaSession;
  const { media } = message;
  if (!media) return client.sendText({ session, chatId, text: message.body }, options);
  const input = {
    session,
    chatId,
    caption: message.body,
    file: { data: media.base64, mimetype: media.mimetype, filename: media.filename },
  };
  switch (mediaKindOf(media.mimetype)) {
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
