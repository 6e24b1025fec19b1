import type { Campaign, CampaignEvent, EventCursor } from '@herald/db';
import { validationError } from '@herald/domain';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { RouteModule } from '../deps.ts';
import type { CampaignFeedHub } from '../services/campaign-feed.ts';
import { getCampaignStatus } from '../services/campaign-status.ts';
import { resolveSenderScope } from '../services/sender-scope.ts';
import { toCampaignListItemDto } from './campaign-dtos.ts';
import { CampaignIdParams } from './campaigns.ts';

const EventsQuery = z.object({
  sender_number: z.string().max(64).optional().meta({
    description: 'Your sender number (or the X-Sender-Number header); optional for admins.',
  }),
  last_event_id: z.string().max(64).optional().meta({
    description:
      'Resume after this event id, for clients that cannot send the Last-Event-ID header',
  }),
});

const EventStream = z.string().meta({
  id: 'CampaignEventStream',
  description: [
    'Server-Sent Events. `progress`: the campaign with its counters, whenever they change (at most',
    'a few per second). `message` (with an `id`): `{message_id, recipient, status, error_code, note?, at}` (`note` is `resolved_from_unknown` when WAHA’s record settled an UNKNOWN)',
    'for each status change of a recipient, from the first one on, or after `Last-Event-ID`.',
    '`end`: the campaign is finished and every change was sent; the stream closes.',
  ].join(' '),
});

/** Event ids are the feed position: `<xid>-<seq>`. */
const EVENT_ID = /^(\d{1,20})-(\d{1,19})$/;

export const campaignEventRoutes: RouteModule = (r, deps) => {
  r.route({
    method: 'get',
    path: '/api/campaigns/{campaign_id}/events',
    summary: "A campaign's live progress as Server-Sent Events; Last-Event-ID resumes without gaps",
    tags: ['Campaigns'],
    access: 'open',
    request: { params: CampaignIdParams, query: EventsQuery },
    responses: {
      200: {
        description: 'The event stream',
        schema: EventStream,
        contentType: 'text/event-stream',
      },
    },
    errors: [404],
    handler: async ({ params, query, caller, req }) => {
      const given = query.sender_number ?? req.get('x-sender-number');
      const scope = resolveSenderScope(caller, given, deps.config.defaultCountry);
      const cursor = parseLastEventId(req.get('last-event-id') ?? query.last_event_id);
      const id = Number(params.campaign_id);
      await getCampaignStatus(deps.db, id, scope, null);
      return { stream: (res) => streamCampaign(deps.campaignFeed, id, cursor, req, res) };
    },
  });
};

function parseLastEventId(text: string | undefined): EventCursor {
  if (text === undefined || text === '') return { xid: '0', seq: 0 };
  const match = EVENT_ID.exec(text);
  if (!match) {
    throw validationError(
      'INVALID_LAST_EVENT_ID',
      'Last-Event-ID must be the id of an event this stream sent (<digits>-<digits>)',
    );
  }
  return { xid: match[1] as string, seq: Number(match[2]) };
}

const KEEPALIVE_MS = 15_000;

function streamCampaign(
  hub: CampaignFeedHub,
  campaignId: number,
  cursor: EventCursor,
  req: Request,
  res: Response,
): void {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  const send = (event: string, data: unknown, id?: string) => {
    res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  res.write('retry: 2000\n\n');
  // A comment now and then keeps proxies from closing a quiet stream; it costs no query.
  const keepalive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearInterval(keepalive);
    unsubscribe();
    res.end();
  };
  const unsubscribe = hub.subscribe(campaignId, {
    cursor,
    onEvent: (event: CampaignEvent) => {
      // Campaign status changes move the cursor; `progress` reports them.
      if (event.message_id === null) return;
      send('message', toMessageEvent(event), `${event.cursor.xid}-${event.cursor.seq}`);
    },
    onProgress: (campaign: Campaign) => send('progress', toCampaignListItemDto(campaign)),
    onEnd: (campaign: Campaign) => {
      send('end', toCampaignListItemDto(campaign));
      finish();
    },
    onShutdown: finish,
  });
  req.on('close', finish);
}

function toMessageEvent(event: CampaignEvent) {
  return {
    message_id: event.message_id,
    recipient: event.recipient,
    status: event.status,
    error_code: event.error_code,
    ...(event.note ? { note: event.note } : {}),
    at: event.occurred_at.toISOString(),
  };
}
