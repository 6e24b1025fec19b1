import type { AcceptedMessage, EmulatorEngine } from './types.ts';

/** One outgoing message as the engines see it, before it is shaped for an answer or an event. */
export interface OutgoingMessage {
  /** The engine's own id (`3EB0…`). */
  messageId: string;
  /** `<digits>@c.us` or a group `…@g.us`. */
  chatId: string;
  /** `<digits>@c.us` of the sending account. */
  meId: string;
  kind: AcceptedMessage['kind'];
  text?: string;
  caption?: string;
  mimetype?: string;
  filename?: string;
  /** Unix seconds. */
  timestamp: number;
}

/** WAHA's `ensureSuffix`: bare digits become a `@c.us` chat id. */
export function ensureSuffix(chatId: string): string {
  return chatId.includes('@') ? chatId : `${chatId}@c.us`;
}

function isGroup(chatId: string): boolean {
  return chatId.endsWith('@g.us');
}

/** `<fromMe>_<chatId>_<id>[_<participant>]`, WAHA's `buildMessageId`. */
export function serializedId(engine: EmulatorEngine, message: OutgoingMessage): string {
  const parts = ['true', message.chatId, message.messageId];
  // GOWS names the sender in ids of group messages.
  if (engine === 'GOWS' && isGroup(message.chatId)) parts.push(message.meId);
  return parts.join('_');
}

const ACK_NAMES: Record<number, string> = {
  [-1]: 'ERROR',
  0: 'PENDING',
  1: 'SERVER',
  2: 'DEVICE',
  3: 'READ',
  4: 'PLAYED',
};

export function ackName(ack: number): string {
  return ACK_NAMES[ack] ?? 'UNKNOWN';
}

function body(message: OutgoingMessage): string | null {
  return message.text ?? message.caption ?? null;
}

/** The Baileys `message` content of a send. */
function nowebContent(message: OutgoingMessage): Record<string, unknown> {
  const media = { caption: message.caption, mimetype: message.mimetype };
  switch (message.kind) {
    case 'image':
      return { imageMessage: media };
    case 'video':
      return { videoMessage: media };
    case 'voice':
      return { audioMessage: { mimetype: message.mimetype, ptt: true } };
    case 'file':
      return { documentMessage: { ...media, fileName: message.filename } };
    default:
      return { extendedTextMessage: { text: message.text ?? '' } };
  }
}

/** The 201 body of a send: each engine returns its own raw message object. */
export function sendResponse(engine: EmulatorEngine, message: OutgoingMessage): unknown {
  const id = serializedId(engine, message);
  if (engine === 'GOWS') {
    return {
      id,
      _data: {
        Info: {
          ID: message.messageId,
          Chat: toWhatsappJid(message.chatId),
          Sender: toWhatsappJid(message.meId),
          IsFromMe: true,
          IsGroup: isGroup(message.chatId),
          Timestamp: new Date(message.timestamp * 1000).toISOString(),
        },
        Message: nowebContent(message),
      },
    };
  }
  if (engine === 'WEBJS') {
    return {
      _data: {},
      id: { fromMe: true, remote: message.chatId, id: message.messageId, _serialized: id },
      ack: 0,
      hasMedia: message.kind !== 'text',
      body: body(message) ?? '',
      type: message.kind === 'text' ? 'chat' : message.kind === 'file' ? 'document' : message.kind,
      timestamp: message.timestamp,
      from: message.meId,
      to: message.chatId,
      deviceType: 'web',
      isForwarded: false,
      fromMe: true,
    };
  }
  return {
    key: { remoteJid: toWhatsappJid(message.chatId), fromMe: true, id: message.messageId },
    message: nowebContent(message),
    messageTimestamp: message.timestamp,
    status: 'PENDING',
  };
}

/** Payload of `message.any` for a message this account sent (from the API or from the phone). */
export function messageAnyPayload(
  engine: EmulatorEngine,
  message: OutgoingMessage,
  source: 'api' | 'app',
): Record<string, unknown> {
  const ack = source === 'api' ? 0 : 1;
  return {
    id: serializedId(engine, message),
    timestamp: message.timestamp,
    from: message.meId,
    fromMe: true,
    source,
    body: body(message),
    to: message.chatId,
    participant: null,
    hasMedia: message.kind !== 'text',
    media: null,
    ack,
    ackName: ackName(ack),
    replyTo: null,
  };
}

/**
 * Payload of `message` (and `message.any`) for a message a contact sent to this account: the id
 * starts with `false_`, `from` is the contact's chat and `to` the account; the engine-specific
 * `_data` is left out, as Herald reads none of it.
 */
export function incomingMessagePayload(message: {
  messageId: string;
  chatId: string;
  meId: string;
  text: string;
  timestamp: number;
}): Record<string, unknown> {
  return {
    id: ['false', message.chatId, message.messageId].join('_'),
    timestamp: message.timestamp,
    from: message.chatId,
    fromMe: false,
    source: 'app',
    body: message.text,
    to: message.meId,
    participant: null,
    hasMedia: false,
    media: null,
    ack: 1,
    ackName: ackName(1),
    replyTo: null,
  };
}

export function messageAckPayload(
  engine: EmulatorEngine,
  message: OutgoingMessage,
  ack: number,
): Record<string, unknown> {
  return {
    id: serializedId(engine, message),
    from: message.meId,
    to: message.chatId,
    participant: null,
    fromMe: true,
    ack,
    ackName: ackName(ack),
  };
}

/** `<d>@c.us` -> `<d>@s.whatsapp.net`, the JID form NOWEB and GOWS use internally. */
function toWhatsappJid(chatId: string): string {
  return chatId.endsWith('@c.us') ? chatId.replace(/@c\.us$/, '@s.whatsapp.net') : chatId;
}
