import { CLAIMABLE_CAMPAIGN_STATUSES } from '@herald/domain';
import { sql } from 'kysely';

// "Does this sender have a message a dispatcher may claim", defined once. A PENDING message waits
// while its campaign is SCHEDULED or PAUSED; only campaigns in CLAIMABLE_CAMPAIGN_STATUSES send.
// The counters are exact (see `moveCampaignCounters`), so campaigns answer without scanning messages.

/** The claimable statuses as SQL literals, so the planner matches `campaigns_claimable_idx`. */
const claimableStatuses = sql.join(CLAIMABLE_CAMPAIGN_STATUSES.map((status) => sql.lit(status)));

/** Campaigns `c` with messages a dispatcher may claim now. */
export const campaignClaimable = sql<boolean>`(c.pending_messages > 0
  AND c.status IN (${claimableStatuses}))`;

/** For `senders s`: it has at least one message a dispatcher may claim now. */
export const senderHasClaimable = sql<boolean>`EXISTS (SELECT 1 FROM campaigns c
  WHERE c.sender_number = s.phone_number AND ${campaignClaimable})`;
