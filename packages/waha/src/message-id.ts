import { isRecord } from './errors.ts';

/**
 * The serialized id (`<fromMe>_<chatId>_<id>[_<participant>]`) of the message object a send
 * returned. Engines answer differently: GOWS gives the id as a string, WEBJS as an object with
 * `_serialized`, NOWEB (Baileys) only a `key` from which the id is built, with its
 * `@s.whatsapp.net` chat written the way WAHA writes it everywhere else (`@c.us`).
 * `message.ack` events carry this same form, which is how acks find their message.
 */
export function extractMessageId(raw: unknown): string | null {
  if (!isRecord(raw)) return null;
  const { id, key } = raw;
  if (typeof id === 'string' && id !== '') return id;
  if (isRecord(id)) {
    if (typeof id._serialized === 'string' && id._serialized !== '') return id._serialized;
    if (typeof id.remote === 'string' && typeof id.id === 'string') {
      return buildMessageId(id.fromMe, id.remote, id.id, id.participant);
    }
  }
  if (isRecord(key) && typeof key.remoteJid === 'string' && typeof key.id === 'string') {
    return buildMessageId(key.fromMe, key.remoteJid, key.id, key.participant);
  }
  return null;
}

function buildMessageId(
  fromMe: unknown,
  chat: string,
  id: string,
  participant: unknown,
): string | null {
  if (chat === '' || id === '') return null;
  // Herald only reads ids of its own sends, so a missing flag means "sent by us".
  const parts = [fromMe === false ? 'false' : 'true', toCus(chat), id];
  if (typeof participant === 'string' && participant !== '') parts.push(toCus(participant));
  return parts.join('_');
}

/** `12025550123:7@s.whatsapp.net` (a device address) and `…@s.whatsapp.net` become `…@c.us`. */
function toCus(jid: string): string {
  const match = /^([^:@]+)(?::\d+)?@s\.whatsapp\.net$/.exec(jid);
  return match ? `${match[1]}@c.us` : jid;
}
