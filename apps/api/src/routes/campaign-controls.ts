import { type CampaignControl, PERMANENT_FAILURE_CODES } from '@herald/domain';
import { z } from 'zod';
import type { RouteModule } from '../deps.ts';
import { controlCampaign } from '../services/campaign-controls.ts';
import { requestSenderScope } from '../services/sender-scope.ts';
import { CampaignListItemDto, toCampaignListItemDto } from './campaign-dtos.ts';
import { CampaignIdParams, SenderNumberQuery } from './campaigns.ts';

const ControlQuery = z.object({ sender_number: SenderNumberQuery });

const RetryBody = z
  .strictObject({
    include_unknown: z.boolean().default(false).meta({
      description:
        'Also re-queue UNKNOWN messages. WAHA may have sent those already: their recipients may get the message twice.',
    }),
  })
  .optional()
  .meta({ id: 'RetryCampaignRequest' });

const CountsByCode = z.record(z.string(), z.number().int());

const RetryResultDto = z
  .object({
    campaign: CampaignListItemDto,
    requeued: z.number().int().meta({ description: 'Messages put back to PENDING' }),
    requeued_by_code: CountsByCode.meta({ description: 'Re-queued messages per failure code' }),
    skipped_by_code: CountsByCode.meta({
      description: `Failed or unknown messages left as they are, per code (${PERMANENT_FAILURE_CODES.join(', ')} never succeed on a retry; UNKNOWN ones need include_unknown)`,
    }),
    warning: z.string().nullable(),
  })
  .meta({ id: 'RetryCampaignResult' });

const SUMMARIES: Record<Exclude<CampaignControl, 'retry'>, string> = {
  pause:
    'Pause a campaign: no message of it is claimed once this returns; one already in flight finishes',
  resume: 'Resume a paused campaign where it stopped (or wait for its send_at)',
  cancel:
    'Cancel a campaign: every message not yet handed to WAHA becomes CANCELLED; one in flight ends as WAHA answers',
};

export const campaignControlRoutes: RouteModule = (r, deps) => {
  for (const control of ['pause', 'resume', 'cancel'] as const) {
    r.route({
      method: 'post',
      path: `/api/campaigns/{campaign_id}/${control}`,
      summary: SUMMARIES[control],
      tags: ['Campaigns'],
      access: 'open',
      request: { params: CampaignIdParams, query: ControlQuery },
      responses: {
        200: { description: 'The campaign after the change', schema: CampaignListItemDto },
      },
      errors: [404, 409],
      handler: async ({ params, query, caller, req }) => {
        const scope = requestSenderScope(
          caller,
          query.sender_number,
          req,
          deps.config.defaultCountry,
        );
        const done = await controlCampaign(deps, control, Number(params.campaign_id), scope);
        return { status: 200, body: toCampaignListItemDto(done.campaign) };
      },
    });
  }

  r.route({
    method: 'post',
    path: '/api/campaigns/{campaign_id}/retry',
    summary: 'Re-queue the failed messages that a new attempt may deliver, as new attempts',
    tags: ['Campaigns'],
    access: 'open',
    request: { params: CampaignIdParams, query: ControlQuery, body: RetryBody },
    responses: { 200: { description: 'What was re-queued', schema: RetryResultDto } },
    errors: [404, 409],
    handler: async ({ params, query, body, caller, req }) => {
      const scope = requestSenderScope(
        caller,
        query.sender_number,
        req,
        deps.config.defaultCountry,
      );
      const includeUnknown = body?.include_unknown ?? false;
      const done = await controlCampaign(deps, 'retry', Number(params.campaign_id), scope, {
        includeUnknown,
      });
      const retry = done.retry ?? { requeued: {}, skipped: {}, total: 0, unknown: 0 };
      return {
        status: 200,
        body: {
          campaign: toCampaignListItemDto(done.campaign),
          requeued: retry.total,
          requeued_by_code: retry.requeued,
          skipped_by_code: retry.skipped,
          warning:
            retry.unknown > 0
              ? `${retry.unknown} re-queued message(s) were UNKNOWN: WAHA may have sent them already, so those recipients may get the message twice`
              : null,
        },
      };
    },
  });
};
