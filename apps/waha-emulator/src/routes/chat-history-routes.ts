import type { EmulatorContext } from '../context.ts';
import { nestError } from '../http.ts';
import { ackName, ensureSuffix } from '../message-shapes.ts';
import type { Route } from '../router.ts';
import type { AcceptedMessage } from '../types.ts';

/** WAHA's `GetChatMessagesQuery` default. */
const DEFAULT_LIMIT = 100;

const NOWEB_STORE_DISABLED =
  "Enable NOWEB store 'config.noweb.store.enabled=True' and 'config.noweb.store.full_sync=True' " +
  'when starting a new session. Read more: https://waha.devlike.pro/docs/engines/noweb#store';

/**
 * `GET /api/{session}/chats/{chatId}/messages`: the chat's messages, newest first, as WAHA's
 * WAMessage. Query: `limit` (100), `offset`, `downloadMedia` (accepted; the emulator keeps no
 * media), `filter.timestamp.gte` / `filter.timestamp.lte` (unix seconds), `filter.fromMe`,
 * `filter.ack`. NOWEB answers only when the session was created with its store enabled.
 */
export function chatHistoryRoutes(ctx: EmulatorContext): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/:session/chats/:chatId/messages',
      handler: async ({ params, query }) => {
        const record = await ctx.sessions.waitUntilStatus(params.session, ['WORKING']);
        if (ctx.settings.engine === 'NOWEB' && !nowebStoreEnabled(record.config)) {
          throw nestError(400, NOWEB_STORE_DISABLED);
        }
        const chatId = ensureSuffix(params.chatId as string);
        const gte = numberParam(query['filter.timestamp.gte']);
        const lte = numberParam(query['filter.timestamp.lte']);
        const fromMe = query['filter.fromMe'];
        const ack = numberParam(query['filter.ack']);
        const limit = numberParam(query.limit) ?? DEFAULT_LIMIT;
        const offset = numberParam(query.offset) ?? 0;
        const now = Date.now();
        const found = ctx.messages
          .filter((m) => m.session === record.name && m.chatId === chatId)
          .map((m) => historyEntry(ctx, m, now))
          .filter(
            (m) =>
              (gte === undefined || m.timestamp >= gte) &&
              (lte === undefined || m.timestamp <= lte) &&
              (fromMe === undefined || String(m.fromMe) === fromMe) &&
              (ack === undefined || m.ack === ack),
          )
          .sort((a, b) => b.timestamp - a.timestamp);
        return { kind: 'json', body: found.slice(offset, offset + limit) };
      },
    },
  ];
}

function nowebStoreEnabled(config: Record<string, unknown> | null): boolean {
  const noweb = config?.noweb as { store?: { enabled?: unknown } } | undefined;
  return noweb?.store?.enabled === true;
}

function numberParam(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** The WAMessage of an accepted message; its ack is the last one due by now. */
function historyEntry(ctx: EmulatorContext, m: AcceptedMessage, now: number) {
  const acceptedAt = Date.parse(m.acceptedAt);
  const acked = ctx.settings.ackDelaysMs.filter((delay) => acceptedAt + delay <= now).length;
  return {
    id: m.id,
    timestamp: Math.floor(acceptedAt / 1000),
    from: m.from ?? null,
    fromMe: true,
    source: 'api',
    body: m.text ?? m.caption ?? null,
    to: m.chatId,
    participant: null,
    hasMedia: m.kind !== 'text',
    media: null,
    ack: acked,
    ackName: ackName(acked),
    replyTo: null,
  };
}
