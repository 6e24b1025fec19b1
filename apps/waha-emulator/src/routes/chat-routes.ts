import type { EmulatorContext } from '../context.ts';
import { toDigits } from '../faults.ts';
import { HttpError, isRecord, json, nestError } from '../http.ts';
import type { Route } from '../router.ts';
import { notImplementedMessage, requireChatId } from './send-routes.ts';

const PRESENCES = ['online', 'offline', 'typing', 'recording', 'paused'];

export function chatRoutes(ctx: EmulatorContext): Route[] {
  const { engine } = ctx.settings;

  const checkExists = async (query: Record<string, string>) => {
    await ctx.sessions.waitUntilStatus(query.session, ['WORKING']);
    if (query.phone === undefined) {
      throw new TypeError("Cannot read properties of undefined (reading 'split')");
    }
    const digits = toDigits(query.phone);
    if (ctx.faults.notOnWhatsApp.includes(digits)) {
      // GOWS answers with an explicit null chat id; the others leave it out.
      return json(
        engine === 'GOWS' ? { numberExists: false, chatId: null } : { numberExists: false },
      );
    }
    return json({ numberExists: true, chatId: `${digits}@c.us` });
  };

  const typing = async (raw: unknown) => {
    const body = isRecord(raw) ? raw : {};
    const record = await ctx.sessions.waitUntilStatus(body.session, ['WORKING']);
    requireChatId(body.chatId);
    ctx.machine.markActivity(record);
    return json({ result: true });
  };

  return [
    {
      method: 'GET',
      pattern: '/api/contacts/check-exists',
      handler: ({ query }) => checkExists(query),
    },
    {
      method: 'GET',
      pattern: '/api/checkNumberStatus',
      handler: ({ query }) => checkExists(query),
    },
    { method: 'POST', pattern: '/api/startTyping', handler: ({ body }) => typing(body) },
    { method: 'POST', pattern: '/api/stopTyping', handler: ({ body }) => typing(body) },
    {
      method: 'POST',
      pattern: '/api/sendSeen',
      handler: async ({ body: raw }) => {
        const body = isRecord(raw) ? raw : {};
        const record = await ctx.sessions.waitUntilStatus(body.session, ['WORKING']);
        const ids = Array.isArray(body.messageIds) ? body.messageIds : [];
        ctx.machine.markActivity(record);
        // Without ids WAHA reads the chat's last 7 days and lists them; the emulator keeps no inbox.
        if (ids.length === 0 && !body.messageId) return json({ ids: [] });
        return json();
      },
    },
    {
      method: 'POST',
      pattern: '/api/:session/presence',
      handler: async ({ params, body: raw }) => {
        const record = await ctx.sessions.waitUntilStatus(params.session, ['WORKING']);
        const body = isRecord(raw) ? raw : {};
        const presence = String(body.presence);
        const global = presence === 'online' || presence === 'offline';
        if (global && body.chatId) {
          throw new HttpError(400, {
            detail: `'${presence}' presence works on the global scope and doesn't require 'chatId' field.`,
          });
        }
        if (!global && !body.chatId) {
          throw new HttpError(400, { detail: `'${presence}' presence requires 'chatId' field.` });
        }
        if (!PRESENCES.includes(presence)) {
          throw nestError(
            501,
            notImplementedMessage(
              engine,
              `${engine} engine doesn't support '${presence}' presence.`,
            ),
          );
        }
        if (global && record.run) record.run.presence = presence as 'online' | 'offline';
        else ctx.machine.markActivity(record);
        return json();
      },
    },
    {
      method: 'GET',
      pattern: '/api/:session/presence',
      handler: async ({ params }) => {
        await ctx.sessions.waitUntilStatus(params.session, ['WORKING']);
        return json([]);
      },
    },
  ];
}
