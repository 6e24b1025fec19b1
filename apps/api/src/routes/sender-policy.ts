import { getGlobalPolicy, readSendingState } from '@herald/db';
import {
  BurstSchema,
  HealthRuleSchema,
  type SenderPolicyInput,
  SenderPolicySchema,
  WorkingHoursSchema,
} from '@herald/domain';
import { z } from 'zod';
import type { RouteModule } from '../deps.ts';
import {
  readOverride,
  removeOverride,
  resumePausedSender,
  setGlobalPolicy,
  setOverride,
} from '../services/sender-policy.ts';
import { requireSenderNumber } from '../services/sender-scope.ts';
import { SendingStateDto, toSendingDto } from './sending-dto.ts';

const SenderPolicyBody = SenderPolicySchema.meta({
  id: 'SenderPolicyUpdate',
  description:
    'Every field optional; null turns a rule off. In an override, a field left out inherits the global value.',
});

const policyFields = {
  delay_jitter_seconds: z.number().nullable(),
  hourly_cap: z.number().int().nullable(),
  daily_cap: z.number().int().nullable(),
  warmup: z.array(z.number().int()).nullable(),
  working_hours: WorkingHoursSchema.nullable(),
  burst: BurstSchema.nullable(),
  health: HealthRuleSchema.nullable(),
};

const SenderPolicyDto = z
  .object({ ...policyFields, updated_at: z.iso.datetime() })
  .meta({ id: 'SenderPolicy' });

const PolicyOverrideDto = z
  .object({
    sender_number: z.string(),
    override: z
      .object(policyFields)
      .partial()
      .meta({ description: 'Only the fields this sender overrides' }),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'SenderPolicyOverride' });

const SenderParams = z.object({ sender_number: z.string().max(64) });

/** Every field, off (null) when the stored policy leaves it out. */
function toPolicyDto(policy: SenderPolicyInput, updatedAt: Date) {
  return {
    delay_jitter_seconds: policy.delay_jitter_seconds ?? null,
    hourly_cap: policy.hourly_cap ?? null,
    daily_cap: policy.daily_cap ?? null,
    warmup: policy.warmup ?? null,
    working_hours: policy.working_hours ?? null,
    burst: policy.burst ?? null,
    health: policy.health ?? null,
    updated_at: updatedAt.toISOString(),
  };
}

export const senderPolicyRoutes: RouteModule = (r, deps) => {
  const senderOf = (given: string) => requireSenderNumber(given, deps.config.defaultCountry);

  r.route({
    method: 'get',
    path: '/api/admin/sender-policy',
    summary: 'The global sender policy (caps, warm-up, working hours, bursts, jitter, health)',
    tags: ['Sender safety'],
    access: 'admin',
    responses: { 200: { description: 'The global policy', schema: SenderPolicyDto } },
    handler: async () => {
      const { policy, updated_at } = await getGlobalPolicy(deps.db);
      return { status: 200, body: toPolicyDto(policy, updated_at) };
    },
  });

  r.route({
    method: 'put',
    path: '/api/admin/sender-policy',
    summary: 'Replace the global sender policy; applies from the next send',
    tags: ['Sender safety'],
    access: 'admin',
    request: { body: SenderPolicyBody },
    responses: { 200: { description: 'The global policy now', schema: SenderPolicyDto } },
    handler: async ({ body }) => {
      const { policy, updated_at } = await setGlobalPolicy(deps, body);
      return { status: 200, body: toPolicyDto(policy, updated_at) };
    },
  });

  r.route({
    method: 'get',
    path: '/api/admin/sender-policy/{sender_number}',
    summary: "A sender's policy override",
    tags: ['Sender safety'],
    access: 'admin',
    request: { params: SenderParams },
    errors: [404],
    responses: { 200: { description: 'The override', schema: PolicyOverrideDto } },
    handler: async ({ params }) => {
      const sender = senderOf(params.sender_number);
      const { policy, updated_at } = await readOverride(deps, sender);
      const body = {
        sender_number: sender,
        override: policy,
        updated_at: updated_at.toISOString(),
      };
      return { status: 200, body };
    },
  });

  r.route({
    method: 'put',
    path: '/api/admin/sender-policy/{sender_number}',
    summary: "Set a sender's policy override; fields left out inherit the global policy",
    tags: ['Sender safety'],
    access: 'admin',
    request: { params: SenderParams, body: SenderPolicyBody },
    errors: [404],
    responses: { 200: { description: 'The override now', schema: PolicyOverrideDto } },
    handler: async ({ params, body }) => {
      const sender = senderOf(params.sender_number);
      const { policy, updated_at } = await setOverride(deps, sender, body);
      const dto = { sender_number: sender, override: policy, updated_at: updated_at.toISOString() };
      return { status: 200, body: dto };
    },
  });

  r.route({
    method: 'delete',
    path: '/api/admin/sender-policy/{sender_number}',
    summary: "Remove a sender's override: the global policy applies to it again",
    tags: ['Sender safety'],
    access: 'admin',
    request: { params: SenderParams },
    errors: [404],
    responses: { 204: { description: 'Removed' } },
    handler: async ({ params }) => {
      await removeOverride(deps, senderOf(params.sender_number));
      return { status: 204 };
    },
  });

  r.route({
    method: 'post',
    path: '/api/admin/senders/{sender_number}/resume',
    summary: 'Lift a HEALTH pause; the sender’s campaigns continue',
    tags: ['Sender safety'],
    access: 'admin',
    request: { params: SenderParams },
    errors: [404],
    responses: { 200: { description: 'Resumed', schema: SendingStateDto } },
    handler: async ({ params }) => {
      const sender = senderOf(params.sender_number);
      await resumePausedSender(deps, sender);
      const state = await readSendingState(deps.db, sender);
      return { status: 200, body: toSendingDto(state) };
    },
  });
};
