import type {
  CampaignStatus,
  CreateWorkerRequest,
  SendCampaignRequest,
  SenderPolicyUpdate,
  UpdateWorkerRequest,
} from '../../generated/api-schema.ts';
import { type Credentials, call } from './http.ts';

/**
 * Every call the dashboard makes, in one place: pages never build URLs. The recipients of a
 * campaign come from GET /api/status/{id}?details=true with limit/offset paging.
 */

export type CampaignState = CampaignStatus['status'];
export type MessageState = NonNullable<CampaignStatus['messages']>[number]['status'];

export interface CampaignFilters {
  sender_number?: string;
  status?: CampaignState;
  start_date?: string;
  end_date?: string;
  limit: number;
  offset: number;
}

const senderQuery = (who: Credentials) =>
  who.kind === 'sender' ? { sender_number: who.number } : {};

export const api = {
  metrics: (who: Credentials) => call(who, 'GET /api/admin/metrics'),
  throughput: (who: Credentials) => call(who, 'GET /api/admin/metrics/throughput'),

  workers: (who: Credentials) => call(who, 'GET /api/admin/workers'),
  addWorker: (who: Credentials, body: CreateWorkerRequest) =>
    call(who, 'POST /api/admin/workers', { body }),
  updateWorker: (who: Credentials, id: number, body: UpdateWorkerRequest) =>
    call(who, 'PATCH /api/admin/workers/{worker_id}', { path: { worker_id: id }, body }),
  removeWorker: (who: Credentials, id: number) =>
    call(who, 'DELETE /api/admin/workers/{worker_id}', {
      path: { worker_id: id },
      query: { force: 'true' },
    }),

  adminSessions: (who: Credentials) => call(who, 'GET /api/admin/sessions'),
  session: (who: Credentials, phone: string) =>
    call(who, 'GET /api/sessions/{phone_number}', { path: { phone_number: phone } }),
  openSession: (who: Credentials, phone: string) =>
    call(who, 'POST /api/sessions', { body: { phone_number: phone } }),
  sessionQr: (who: Credentials, phone: string) =>
    call(who, 'GET /api/sessions/{phone_number}/qr', { path: { phone_number: phone } }),
  deleteSession: (who: Credentials, phone: string) =>
    call(who, 'DELETE /api/sessions/{phone_number}', { path: { phone_number: phone } }),

  campaigns: (who: Credentials, filters: CampaignFilters) =>
    who.kind === 'admin'
      ? call(who, 'GET /api/admin/campaigns', { query: filters }).then((page) => ({
          campaigns: page.campaigns,
          total: page.total as number | null,
        }))
      : call(who, 'GET /api/campaigns', {
          query: { ...filters, sender_number: who.number },
        }).then((campaigns) => ({ campaigns, total: null as number | null })),
  campaign: (
    who: Credentials,
    id: number,
    page: { limit: number; offset: number; status?: MessageState },
  ) =>
    call(who, 'GET /api/status/{campaign_id}', {
      path: { campaign_id: String(id) },
      query: { ...senderQuery(who), details: 'true', ...page },
    }),
  send: (who: Credentials, body: SendCampaignRequest) => call(who, 'POST /api/send', { body }),
  control: (who: Credentials, id: number, action: 'pause' | 'resume' | 'cancel' | 'retry') => {
    const input = { path: { campaign_id: String(id) }, query: senderQuery(who) };
    if (action === 'retry') {
      return call(who, 'POST /api/campaigns/{campaign_id}/retry', { ...input, body: {} });
    }
    return call(who, `POST /api/campaigns/{campaign_id}/${action}`, input);
  },

  delays: (who: Credentials) => call(who, 'GET /api/admin/delays'),
  setDelays: (who: Credentials, messageDelay: number, switchDelay: number) =>
    call(who, 'POST /api/admin/delays', {
      body: { MESSAGE_DELAY: messageDelay, SENDER_SWITCH_DELAY: switchDelay },
    }),
  userDelays: (who: Credentials, sender: string) =>
    call(who, 'GET /api/admin/user-delays', { query: { sender_number: sender } }),
  setUserDelays: (
    who: Credentials,
    sender: string,
    body: { message_delay: number | null; sender_switch_delay: number | null },
  ) => call(who, 'POST /api/admin/user-delays', { query: { sender_number: sender }, body }),
  senderPolicy: (who: Credentials) => call(who, 'GET /api/admin/sender-policy'),
  setSenderPolicy: (who: Credentials, body: SenderPolicyUpdate) =>
    call(who, 'PUT /api/admin/sender-policy', { body }),
  senderPolicyOverride: (who: Credentials, sender: string) =>
    call(who, 'GET /api/admin/sender-policy/{sender_number}', { path: { sender_number: sender } }),
  setSenderPolicyOverride: (who: Credentials, sender: string, body: SenderPolicyUpdate) =>
    call(who, 'PUT /api/admin/sender-policy/{sender_number}', {
      path: { sender_number: sender },
      body,
    }),
  suppressions: (who: Credentials, page: { limit: number; offset: number }) =>
    call(who, 'GET /api/admin/suppressions', { query: page }),
  addSuppression: (who: Credentials, recipient: string, sender: string | null) =>
    call(who, 'POST /api/admin/suppressions', {
      body: { recipient, sender_number: sender },
    }),
  removeSuppression: (who: Credentials, recipient: string, sender: string | null) =>
    call(who, 'DELETE /api/admin/suppressions', {
      query: { recipient, ...(sender ? { sender_number: sender } : {}) },
    }),
};
