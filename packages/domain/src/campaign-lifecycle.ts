/**
 * Campaign statuses after which nothing more is sent. Written as strings so that statuses added
 * to the union later (a cancelled campaign) are covered without touching every reader.
 */
const TERMINAL_CAMPAIGN_STATUSES: ReadonlySet<string> = new Set([
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'CANCELLED',
]);

export const isTerminalCampaignStatus = (status: string): boolean =>
  TERMINAL_CAMPAIGN_STATUSES.has(status);
