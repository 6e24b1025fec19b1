import type { EmulatorContext } from './context.ts';
import { toDigits } from './faults.ts';
import { generateMessageId } from './ids.ts';
import {
  ensureSuffix,
  incomingMessagePayload,
  messageAckPayload,
  messageAnyPayload,
  type OutgoingMessage,
  sendResponse,
  serializedId,
} from './message-shapes.ts';
import type { SessionRecord } from './session-machine.ts';
import type { AcceptedFile, AcceptedMessage } from './types.ts';

export interface SendInput {
  kind: AcceptedMessage['kind'];
  chatId: string;
  text?: string;
  caption?: string;
  file?: AcceptedFile;
}

/**
 * Accepts one message from the API: records it, emits `message.any`, schedules the acks and
 * returns the engine-shaped 201 body. The session must be WORKING.
 */
export function acceptMessage(
  ctx: EmulatorContext,
  record: SessionRecord,
  input: SendInput,
): unknown {
  const message = buildOutgoing(ctx, record, input);
  const id = serializedId(ctx.settings.engine, message);
  const accepted: AcceptedMessage = {
    id,
    session: record.name,
    chatId: message.chatId,
    kind: input.kind,
    acceptedAt: new Date().toISOString(),
    from: message.meId,
  };
  if (input.text !== undefined) accepted.text = input.text;
  if (input.caption !== undefined) accepted.caption = input.caption;
  if (input.file !== undefined) accepted.file = input.file;
  ctx.recordMessage(accepted);
  ctx.emit(record, 'message.any', messageAnyPayload(ctx.settings.engine, message, 'api'));
  scheduleAcks(ctx, record, message);
  return sendResponse(ctx.settings.engine, message);
}

/** A message typed on the phone itself: WAHA sees it as `message.any` fromMe with source `app`. */
export function emitPhoneMessage(
  ctx: EmulatorContext,
  record: SessionRecord,
  to: string,
  text: string,
): string {
  const message = buildOutgoing(ctx, record, { kind: 'text', chatId: to, text });
  ctx.emit(record, 'message.any', messageAnyPayload(ctx.settings.engine, message, 'app'));
  scheduleAcks(ctx, record, message);
  return serializedId(ctx.settings.engine, message);
}

/**
 * A contact writes to this account: WAHA emits `message` and `message.any` with the same payload.
 * Returns the message's serialized id.
 */
export function emitIncomingMessage(
  ctx: EmulatorContext,
  record: SessionRecord,
  from: string,
  text: string,
): string {
  const payload = incomingMessagePayload({
    messageId: generateMessageId(),
    chatId: ensureSuffix(from),
    meId: ctx.machine.me(record)?.id ?? '',
    text,
    timestamp: Math.floor(Date.now() / 1000),
  });
  ctx.emit(record, 'message', payload);
  ctx.emit(record, 'message.any', payload);
  return payload.id as string;
}

/**
 * SERVER, DEVICE, READ at the configured offsets from acceptance. A number marked as not on
 * WhatsApp never gets past SERVER; one listed in `ackErrorTo` gets a single ERROR (-1) ack at the
 * first offset, as WhatsApp reports a message it refused after WAHA accepted it. Acks stop when
 * the session stops or fails.
 */
function scheduleAcks(ctx: EmulatorContext, record: SessionRecord, message: OutgoingMessage) {
  const run = record.run;
  if (!run) return;
  const digits = toDigits(message.chatId);
  const unreachable = ctx.faults.notOnWhatsApp.includes(digits);
  if (ctx.faults.ackErrorTo.includes(digits)) {
    ctx.machine.schedule(run, ctx.settings.ackDelaysMs[0], () => {
      if (record.run !== run || run.status !== 'WORKING') return;
      ctx.emit(record, 'message.ack', messageAckPayload(ctx.settings.engine, message, -1));
    });
    return;
  }
  ctx.settings.ackDelaysMs.forEach((delay, index) => {
    const ack = index + 1;
    if (unreachable && ack > 1) return;
    ctx.machine.schedule(run, delay, () => {
      if (record.run !== run || run.status !== 'WORKING') return;
      ctx.emit(record, 'message.ack', messageAckPayload(ctx.settings.engine, message, ack));
    });
  });
}

function buildOutgoing(
  ctx: EmulatorContext,
  record: SessionRecord,
  input: SendInput,
): OutgoingMessage {
  const me = ctx.machine.me(record);
  return {
    messageId: generateMessageId(),
    chatId: ensureSuffix(input.chatId),
    meId: me?.id ?? '',
    kind: input.kind,
    text: input.text,
    caption: input.caption,
    mimetype: input.file?.mimetype,
    filename: input.file?.filename,
    timestamp: Math.floor(Date.now() / 1000),
  };
}
