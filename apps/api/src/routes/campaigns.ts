import { createPhoneNormalizer, HeraldError, MAX_MESSAGE_LENGTH } from '@herald/domain';
import { checkUrl, type HostPolicy } from '@herald/safe-http';
import type { Request } from 'express';
import { z } from 'zod';
import type { RouteModule } from '../deps.ts';
import type { Caller } from '../http/auth.ts';
import { noNul } from '../http/schemas.ts';
import { getCampaignStatusAndSending } from '../services/campaign-status.ts';
import { hashRequest, parseIdempotencyKey } from '../services/idempotency.ts';
import { getCampaignOverview, listCampaignPage } from '../services/list-campaigns.ts';
import { requestSenderScope } from '../services/sender-scope.ts';
import { submitCampaign } from '../services/submit-campaign.ts';
import {
  AdminCampaignsDto,
  CampaignCreatedDto,
  CampaignListItemDto,
  CampaignStatusDto,
  toAdminCampaignsDto,
  toCampaignCreatedDto,
  toCampaignListItemDto,
  toCampaignStatusDto,
} from './campaign-dtos.ts';
import { CampaignIdParams, CampaignListQuery, CampaignStatusQuery } from './campaign-queries.ts';

export const MAX_TEMPLATE_LENGTH = 4096;

/** Variables one record may hold; a template has room for only so many placeholders anyway. */
export const MAX_VARIABLES = 100;

const TemplateVariables = z
  .record(
    z.string().min(1).max(64),
    z.union([
      z.string().max(MAX_TEMPLATE_LENGTH).refine(noNul, 'must not contain NUL'),
      z.number(),
      z.boolean(),
    ]),
  )
  .refine((vars) => Object.keys(vars).length <= MAX_VARIABLES, {
    message: `at most ${MAX_VARIABLES} variables`,
  })
  .meta({
    id: 'TemplateVariables',
    description: `Values for the \`{{name}}\` placeholders of the template (at most ${MAX_VARIABLES})`,
  });

const RecipientWithVariables = z
  .object({
    phone: z.string().min(1).max(64),
    variables: TemplateVariables.optional(),
  })
  .meta({
    id: 'RecipientWithVariables',
    description:
      "A recipient with its own variables, which override the campaign's for this recipient",
  });

/** The cheap part of the SSRF guard, at parse time; names are checked when they resolve. */
function isPublicUrl(url: string, policy: HostPolicy): boolean {
  try {
    checkUrl(url, policy);
    return true;
  } catch {
    return false;
  }
}

/**
 * The body of POST /api/send. Every part is bounded in the schema itself, the recipient count
 * included: zod checks an array's length before its items, so a body of millions of items is
 * refused without parsing them.
 */
export function sendCampaignBody(maxRecipients: number, urls: HostPolicy) {
  return z
    .object({
      sender_number: z.string().min(1).max(64).meta({
        description:
          'Your number: international (with or without +) or national in DEFAULT_COUNTRY',
        example: '42108077',
      }),
      template: z
        .string()
        .max(MAX_TEMPLATE_LENGTH)
        .refine((s) => s.trim() !== '', 'must not be blank')
        .refine(noNul, 'must not contain NUL')
        .meta({
          description: `Message text; \`{{name}}\` placeholders are filled from the variables. Each rendered message may have at most ${MAX_MESSAGE_LENGTH} characters.`,
          example: 'Hello {{name}}!',
        }),
      variables: TemplateVariables.nullish(),
      recipients: z
        .array(z.union([z.string().min(1).max(64), RecipientWithVariables]))
        .min(1)
        .max(maxRecipients, {
          error: `at most ${maxRecipients} recipients (MAX_RECIPIENTS); split the list`,
        })
        .meta({
          description:
            'Phone numbers (as for sender_number). Herald extension: an item may also be `{phone, variables}` with per-recipient variables. Duplicates (after normalisation) are removed and reported; at most MAX_RECIPIENTS items.',
          example: ['21642108101'],
        }),
      media_url: z
        .url({ protocol: /^https?$/ })
        .max(2048)
        .refine(noNul, 'must not contain NUL')
        .refine((url) => isPublicUrl(url, urls), {
          message: 'must be a public http(s) URL without a user name or password',
        })
        .nullish()
        .meta({
          description:
            'An http(s) image, video or document sent with the text as caption (WAHA Plus workers only). Herald fetches it once, when the campaign is submitted (public hosts only, at most MEDIA_MAX_BYTES), and sends those bytes.',
        }),
      callback_url: z
        .url({ protocol: /^https?$/ })
        .max(2048)
        .refine(noNul, 'must not contain NUL')
        .nullish()
        .meta({
          description:
            "Where Herald POSTs this campaign's signed `message.status` and `campaign.status` events (default CLIENT_WEBHOOK_URL). Loopback, private and link-local addresses are refused.",
        }),
      send_at: z.iso.datetime({ offset: true }).nullish().meta({
        description:
          'Start no earlier than this (ISO 8601 with offset; at most a year ahead). The campaign is SCHEDULED until then; a past time sends now.',
        example: '2030-05-01T09:00:00+01:00',
      }),
    })
    .meta({ id: 'SendCampaignRequest' });
}

const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().optional().meta({
    description:
      'Up to 255 printable characters. Resubmitting the same body with the same key returns the campaign the first submit created (kept at least 24 h, per sender); another body with that key is refused (422 IDEMPOTENCY_KEY_REUSED).',
    example: '4b0e3c4e-8f9a-4a57-9d36-2f1d8b7f0c11',
  }),
});

export { CampaignIdParams, SenderNumberQuery } from './campaign-queries.ts';

export const campaignRoutes: RouteModule = (r, deps) => {
  const normalize = createPhoneNormalizer(deps.config.defaultCountry);
  // A token is one sender's: it cannot submit for another (whether that number exists or not).
  const assertOwnSender = (caller: Caller, given: string) => {
    if (caller.kind === 'admin' || caller.sender === null) return;
    if (normalize(given) === caller.sender) return;
    throw new HeraldError(
      'forbidden',
      'SENDER_TOKEN_MISMATCH',
      'The sender token presented belongs to another sender number',
    );
  };
  // The sender a request names, in `?sender_number=` or the X-Sender-Number header.
  const scopeOf = (caller: Caller, given: string | undefined, req: Request) =>
    requestSenderScope(caller, given, req, deps.config.defaultCountry);

  r.route({
    method: 'post',
    path: '/api/send',
    summary: 'Submit a campaign: validated, stored and queued for its sender in one transaction',
    tags: ['Campaigns'],
    access: 'open',
    request: {
      body: sendCampaignBody(deps.config.maxRecipients, deps.userUrls.policy),
      headers: IdempotencyHeaders,
    },
    responses: {
      201: {
        description:
          'The campaign is queued (or, with an Idempotency-Key already used with this body, the campaign it created; header Idempotent-Replayed: true)',
        schema: CampaignCreatedDto,
      },
    },
    errors: [403, 409, 413, 422],
    handler: async ({ body, req, caller }) => {
      assertOwnSender(caller, body.sender_number);
      const key = parseIdempotencyKey(req.get('idempotency-key'));
      const claim = key === undefined ? undefined : { key, requestHash: hashRequest(body) };
      const submitted = await submitCampaign(deps, body, claim);
      return {
        status: 201,
        body: toCampaignCreatedDto(submitted),
        ...(submitted.replayed ? { headers: { 'Idempotent-Replayed': 'true' } } : {}),
      };
    },
  });

  r.route({
    method: 'get',
    path: '/api/status/{campaign_id}',
    summary:
      "A campaign's progress, and with details=true a page of its messages (next_cursor leads to the next)",
    tags: ['Campaigns'],
    access: 'open',
    request: { params: CampaignIdParams, query: CampaignStatusQuery },
    responses: { 200: { description: 'The campaign', schema: CampaignStatusDto } },
    errors: [404],
    handler: async ({ params, query, caller, req }) => {
      const scope = scopeOf(caller, query.sender_number, req);
      const id = Number(params.campaign_id);
      const page = query.details
        ? { limit: query.limit, offset: query.offset, cursor: query.cursor, status: query.status }
        : null;
      const status = await getCampaignStatusAndSending(deps.db, id, scope, page);
      const body = toCampaignStatusDto(status, status.sending);
      return { status: 200, body };
    },
  });

  r.route({
    method: 'get',
    path: '/api/campaigns',
    summary:
      "A sender's campaigns (all campaigns for an admin), newest first; X-Total-Count has the total",
    tags: ['Campaigns'],
    access: 'open',
    request: { query: CampaignListQuery },
    responses: {
      200: { description: 'One page of campaigns', schema: z.array(CampaignListItemDto) },
    },
    handler: async ({ query, caller, req }) => {
      const scope = scopeOf(caller, query.sender_number, req);
      const page =
        scope === null ? { rows: [], total: 0 } : await listCampaignPage(deps.db, query, scope);
      return {
        status: 200,
        body: page.rows.map(toCampaignListItemDto),
        headers: { 'X-Total-Count': String(page.total) },
      };
    },
  });

  r.route({
    method: 'get',
    path: '/api/admin/campaigns',
    summary: 'Campaign and message counts by status, the 5 newest campaigns, and a filtered page',
    tags: ['Admin'],
    access: 'admin',
    request: { query: CampaignListQuery },
    responses: { 200: { description: 'The campaign overview', schema: AdminCampaignsDto } },
    handler: async ({ query, caller, req }) => {
      const scope = scopeOf(caller, query.sender_number, req) ?? undefined;
      const overview = await getCampaignOverview(deps.db, query, scope);
      return { status: 200, body: toAdminCampaignsDto(overview, query, deps.now()) };
    },
  });
};
