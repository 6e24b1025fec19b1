import type { Campaign, CampaignMessageRow, CampaignSummary, SendingState } from '@herald/db';
import { CAMPAIGN_STATUSES, MESSAGE_STATUSES } from '@herald/domain';
import { z } from 'zod';
import { toIsoOrNull } from '../http/schemas.ts';
import type { CampaignStatus } from '../services/campaign-status.ts';
import type { CampaignOverview } from '../services/list-campaigns.ts';
import type { SubmittedCampaign } from '../services/submit-campaign.ts';
import { SendingStateDto, toSendingDto } from './sending-dto.ts';

// Response shapes of the campaign endpoints. Field names of the earlier API (`messages`,
// `recipient`, `message`, `error`, `sent_at`, …) are kept; everything else is additive.

const Timestamp = z.iso.datetime();
const CampaignStatusEnum = z.enum(CAMPAIGN_STATUSES);
const MessageStatusEnum = z.enum(MESSAGE_STATUSES);

export const CampaignCreatedDto = z
  .object({
    id: z.number().int(),
    status: z.enum(['PENDING', 'SCHEDULED']).meta({
      description: 'SCHEDULED until `send_at`, then PENDING',
    }),
    sender_number: z.string().meta({ description: 'Normalised: international digits, no +' }),
    total_messages: z.number().int().meta({ description: 'Recipients after de-duplication' }),
    pending_messages: z.number().int(),
    duplicates_removed: z.number().int(),
    duplicate_recipients: z
      .array(z.string())
      .meta({ description: 'Each normalised number that was listed more than once' }),
    suppressed: z
      .number()
      .int()
      .meta({ description: 'Recipients left out because they opted out of this sender' }),
    suppressed_recipients: z.array(z.string()),
    template: z.string(),
    media_url: z.url().nullable(),
    send_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: 'CampaignCreated' });

export const CampaignMessageDto = z
  .object({
    id: z.number().int(),
    campaign_id: z.number().int(),
    recipient: z.string(),
    message: z.string().meta({ description: 'The rendered text sent to this recipient' }),
    media_url: z.url().nullable(),
    status: MessageStatusEnum,
    error: z.string().nullable(),
    error_code: z.string().nullable(),
    attempts: z.number().int(),
    sent_at: Timestamp.nullable(),
    delivered_at: Timestamp.nullable(),
    read_at: Timestamp.nullable(),
    waha_message_id: z.string().nullable(),
    ack: z
      .number()
      .int()
      .nullable()
      .meta({ description: "WAHA's last ack level (1 SERVER … 4 PLAYED)" }),
  })
  .meta({ id: 'CampaignMessage' });

const counters = {
  id: z.number().int(),
  sender_number: z.string(),
  status: CampaignStatusEnum,
  template: z.string(),
  media_url: z.url().nullable(),
  total_messages: z.number().int(),
  pending_messages: z.number().int(),
  sending_messages: z.number().int(),
  sent_messages: z.number().int(),
  failed_messages: z.number().int(),
  unknown_messages: z
    .number()
    .int()
    .meta({ description: 'WAHA may or may not have sent these; never resent unless retried' }),
  cancelled_messages: z
    .number()
    .int()
    .meta({ description: 'Not yet handed to WAHA when the campaign was cancelled' }),
  suppressed_messages: z
    .number()
    .int()
    .meta({ description: 'Not sent: the recipient opted out after the campaign was queued' }),
  duplicates_removed: z.number().int(),
  progress: z.number().min(0).max(100).meta({
    description: 'Percent of messages finished (sent, failed, unknown, cancelled or suppressed)',
  }),
  send_at: Timestamp.nullable().meta({ description: 'When a scheduled campaign starts' }),
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
};

export const CampaignListItemDto = z.object(counters).meta({ id: 'CampaignListItem' });

export const CampaignStatusDto = z
  .object({
    ...counters,
    variables: z.record(z.string(), z.unknown()),
    messages: z
      .array(CampaignMessageDto)
      .nullable()
      .meta({ description: 'Null unless details=true: one page, in sending order' }),
    next_cursor: z.string().nullable().meta({
      description:
        'Pass as `cursor` to get the next page of messages; null on the last page and without details',
    }),
    sending: SendingStateDto.meta({
      description: "The sender's state: WAITING on its policy or PAUSED leaves messages PENDING",
    }),
  })
  .meta({ id: 'CampaignStatus' });

export const AdminCampaignsDto = z
  .object({
    campaign_status: z.record(CampaignStatusEnum, z.number().int()),
    message_status: z.record(MessageStatusEnum, z.number().int()),
    recent_campaigns: z
      .array(CampaignListItemDto)
      .meta({ description: 'The 5 newest, unfiltered' }),
    last_refresh: Timestamp,
    campaigns: z.array(CampaignListItemDto),
    total: z.number().int().meta({ description: 'Campaigns matching the filters' }),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .meta({ id: 'AdminCampaigns' });

/** Percent finished, floored to 0.01 so it reads 100 only once nothing is pending or sending. */
export function progressOf(
  c: Pick<Campaign, 'total_messages' | 'pending_messages' | 'sending_messages'>,
) {
  const done = c.total_messages - c.pending_messages - c.sending_messages;
  return c.total_messages === 0 ? 100 : Math.floor((done * 10_000) / c.total_messages) / 100;
}

export function toCampaignCreatedDto({
  campaign,
  duplicateRecipients,
  suppressedRecipients,
}: SubmittedCampaign) {
  return {
    id: campaign.id,
    status: campaign.status === 'SCHEDULED' ? ('SCHEDULED' as const) : ('PENDING' as const),
    sender_number: campaign.sender_number,
    total_messages: campaign.total_messages,
    // As created (an idempotent replay may come later, when some were sent already).
    pending_messages: campaign.total_messages,
    duplicates_removed: campaign.duplicates_removed,
    duplicate_recipients: duplicateRecipients,
    suppressed: suppressedRecipients.length,
    suppressed_recipients: suppressedRecipients,
    template: campaign.template,
    media_url: campaign.media_url,
    send_at: toIsoOrNull(campaign.send_at),
    created_at: campaign.created_at.toISOString(),
  } satisfies z.input<typeof CampaignCreatedDto>;
}

export function toCampaignListItemDto(c: CampaignSummary) {
  return {
    id: c.id,
    sender_number: c.sender_number,
    status: c.status,
    template: c.template,
    media_url: c.media_url,
    total_messages: c.total_messages,
    pending_messages: c.pending_messages,
    sending_messages: c.sending_messages,
    sent_messages: c.sent_messages,
    failed_messages: c.failed_messages,
    unknown_messages: c.unknown_messages,
    cancelled_messages: c.cancelled_messages,
    suppressed_messages: c.suppressed_messages,
    duplicates_removed: c.duplicates_removed,
    progress: progressOf(c),
    send_at: toIsoOrNull(c.send_at),
    created_at: c.created_at.toISOString(),
    started_at: toIsoOrNull(c.started_at),
    completed_at: toIsoOrNull(c.completed_at),
  } satisfies z.input<typeof CampaignListItemDto>;
}

export function toCampaignMessageDto(m: CampaignMessageRow, mediaUrl: string | null) {
  return {
    id: m.id,
    campaign_id: m.campaign_id,
    recipient: m.recipient,
    message: m.body,
    media_url: mediaUrl,
    status: m.status,
    error: m.error,
    error_code: m.error_code,
    attempts: m.attempts,
    sent_at: toIsoOrNull(m.sent_at),
    delivered_at: toIsoOrNull(m.delivered_at),
    read_at: toIsoOrNull(m.read_at),
    waha_message_id: m.waha_message_id,
    ack: m.ack,
  } satisfies z.input<typeof CampaignMessageDto>;
}

export function toCampaignStatusDto(status: CampaignStatus, sending: SendingState | null) {
  const { campaign, messages } = status;
  return {
    ...toCampaignListItemDto(campaign),
    variables: campaign.variables,
    messages: messages?.map((m) => toCampaignMessageDto(m, campaign.media_url)) ?? null,
    next_cursor: status.nextCursor,
    sending: toSendingDto(sending),
  } satisfies z.input<typeof CampaignStatusDto>;
}

export function toAdminCampaignsDto(
  overview: CampaignOverview,
  page: { limit: number; offset: number },
  now: Date,
) {
  return {
    campaign_status: overview.campaignStatus,
    message_status: overview.messageStatus,
    recent_campaigns: overview.recent.map(toCampaignListItemDto),
    last_refresh: now.toISOString(),
    campaigns: overview.page.rows.map(toCampaignListItemDto),
    total: overview.page.total,
    limit: page.limit,
    offset: page.offset,
  } satisfies z.input<typeof AdminCampaignsDto>;
}
