import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorContext } from '../context.ts';
import { decideSendOutcome, latencyOf } from '../faults.ts';
import { isRecord, json, nestError, type Reply } from '../http.ts';
import { acceptMessage, type SendInput } from '../messaging.ts';
import type { Route } from '../router.ts';
import { takeScriptedOutcome } from '../send-script.ts';
import type { AcceptedFile, AcceptedMessage, EmulatorEngine } from '../types.ts';

const DOCS_URL = 'https://waha.devlike.pro/';

const SEND_ROUTES: [string, AcceptedMessage['kind']][] = [
  ['/api/sendText', 'text'],
  ['/api/sendImage', 'image'],
  ['/api/sendFile', 'file'],
  ['/api/sendVideo', 'video'],
  ['/api/sendVoice', 'voice'],
];

export function availableInPlusMessage(engine: EmulatorEngine, feature = 'The feature'): string {
  return `${feature} is available only in Plus version for '${engine}' engine. Check this out: ${DOCS_URL}`;
}

export function notImplementedMessage(engine: EmulatorEngine, prefix = ''): string {
  const message = `The method is not implemented by '${engine}' engine. Check the docs and try another engine: ${DOCS_URL}`;
  return prefix ? `${prefix} ${message}` : message;
}

/** The TypeError WAHA's `ensureSuffix` throws on a missing chat id, which ends as a 500. */
export function requireChatId(value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError("Cannot read properties of undefined (reading 'includes')");
  }
  return value;
}

function readFile(value: unknown): AcceptedFile | undefined {
  if (!isRecord(value)) return undefined;
  const file: AcceptedFile = {};
  if (typeof value.mimetype === 'string') file.mimetype = value.mimetype;
  if (typeof value.filename === 'string') file.filename = value.filename;
  if (typeof value.url === 'string') file.url = value.url;
  if (typeof value.data === 'string') file.dataBytes = Buffer.byteLength(value.data);
  return file;
}

export function sendRoutes(ctx: EmulatorContext): Route[] {
  const { engine, tier } = ctx.settings;

  const send = async (kind: AcceptedMessage['kind'], raw: unknown): Promise<Reply> => {
    const body = isRecord(raw) ? raw : {};
    const leave = ctx.sendConcurrency.enter(String(body.session));
    try {
      return await sendOpen(kind, body);
    } finally {
      leave();
    }
  };

  const sendOpen = async (
    kind: AcceptedMessage['kind'],
    body: Record<string, unknown>,
  ): Promise<Reply> => {
    // The send routes have no validation pipe: the session lookup is the first check.
    const record = await ctx.sessions.waitUntilStatus(body.session, ['WORKING']);
    const latency = latencyOf(ctx.faults, String(body.chatId));
    if (latency > 0) await sleep(latency);
    if (tier === 'CORE') {
      if (kind === 'video') throw nestError(501, notImplementedMessage(engine));
      if (kind !== 'text') throw nestError(422, availableInPlusMessage(engine));
    }
    const input: SendInput = { kind, chatId: requireChatId(body.chatId) };
    if (kind === 'text') input.text = typeof body.text === 'string' ? body.text : '';
    if (typeof body.caption === 'string') input.caption = body.caption;
    const file = readFile(body.file);
    if (file) input.file = file;

    ctx.machine.markActivity(record);
    const outcome = takeScriptedOutcome(ctx.faults, input.chatId) ?? decideSendOutcome(ctx.faults);
    if (outcome === 'error5xx') {
      // Not accepted: the engine call failed, which WAHA answers as an unhandled 500.
      throw new Error('Connection Closed');
    }
    if (outcome === 'timeout') {
      acceptMessage(ctx, record, input);
      return { kind: 'hold' };
    }
    if (outcome === 'reset') {
      if (ctx.faults.acceptBeforeReset) acceptMessage(ctx, record, input);
      return { kind: 'reset' };
    }
    return json(acceptMessage(ctx, record, input));
  };

  return SEND_ROUTES.map(([pattern, kind]) => ({
    method: 'POST' as const,
    pattern,
    handler: ({ body }) => send(kind, body),
  }));
}
