import { addSuppression, deleteSuppression, listSuppressions, type Suppression } from '@herald/db';
import { createPhoneNormalizer, notFound, validationError } from '@herald/domain';
import { z } from 'zod';
import type { RouteModule } from '../deps.ts';
import { requireSenderNumber } from '../services/sender-scope.ts';

const SuppressionDto = z
  .object({
    id: z.number().int(),
    sender_number: z
      .string()
      .nullable()
      .meta({ description: 'null: the recipient opted out of every sender' }),
    recipient: z.string(),
    source: z.enum(['OPT_OUT', 'ADMIN']),
    keyword: z.string().nullable().meta({ description: 'The reply that opted them out' }),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'Suppression' });

const SuppressionPageDto = z
  .object({ total: z.number().int(), suppressions: z.array(SuppressionDto) })
  .meta({ id: 'SuppressionPage' });

const PageQuery = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
};

const AdminListQuery = z.object({
  sender_number: z.string().max(64).optional().meta({
    description: "That sender's suppressions plus the global ones; all of them when left out",
  }),
  ...PageQuery,
});
const UserListQuery = z.object({
  sender_number: z.string().max(64).optional().meta({ description: 'Your sender (required)' }),
  ...PageQuery,
});

const AddSuppressionBody = z
  .object({
    recipient: z.string().min(1).max(64),
    sender_number: z
      .string()
      .max(64)
      .nullable()
      .optional()
      .meta({ description: 'Left out or null: every sender' }),
  })
  .strict()
  .meta({ id: 'SuppressionCreate' });

const DeleteSuppressionQuery = z.object({
  recipient: z.string().max(64).optional().meta({ description: 'The recipient (required)' }),
  sender_number: z
    .string()
    .max(64)
    .optional()
    .meta({ description: 'Left out: the global suppression' }),
});

function toSuppressionDto(s: Suppression): z.infer<typeof SuppressionDto> {
  return {
    id: s.id,
    sender_number: s.sender_number,
    recipient: s.recipient,
    source: s.source,
    keyword: s.keyword,
    created_at: s.created_at.toISOString(),
  };
}

export const suppressionRoutes: RouteModule = (r, deps) => {
  const normalize = createPhoneNormalizer(deps.config.defaultCountry);
  const senderOf = (given: string | null | undefined) =>
    given === undefined || given === null
      ? null
      : requireSenderNumber(given, deps.config.defaultCountry);
  const recipientOf = (given: string | undefined) => {
    const phone = given === undefined ? null : normalize(given);
    if (phone === null) {
      throw validationError('INVALID_RECIPIENT', `"${given ?? ''}" is not a valid phone number`);
    }
    return phone;
  };
  const page = async (senderNumber: string | undefined, limit: number, offset: number) => {
    const filter = { limit, offset, ...(senderNumber ? { senderNumber } : {}) };
    const { total, items } = await listSuppressions(deps.db, filter);
    return { total, suppressions: items.map(toSuppressionDto) };
  };

  r.route({
    method: 'get',
    path: '/api/admin/suppressions',
    summary: 'Recipients who must not be written to, newest first',
    tags: ['Sender safety'],
    access: 'admin',
    request: { query: AdminListQuery },
    responses: { 200: { description: 'One page', schema: SuppressionPageDto } },
    handler: async ({ query }) => {
      const sender = senderOf(query.sender_number) ?? undefined;
      return { status: 200, body: await page(sender, query.limit, query.offset) };
    },
  });

  r.route({
    method: 'post',
    path: '/api/admin/suppressions',
    summary: 'Suppress a recipient for one sender, or for every sender',
    tags: ['Sender safety'],
    access: 'admin',
    request: { body: AddSuppressionBody },
    responses: {
      201: { description: 'Suppressed', schema: SuppressionDto },
      200: { description: 'Already suppressed', schema: SuppressionDto },
    },
    handler: async ({ body }) => {
      const { suppression, created } = await addSuppression(deps.db, {
        senderNumber: senderOf(body.sender_number),
        recipient: recipientOf(body.recipient),
        source: 'ADMIN',
      });
      return { status: created ? 201 : 200, body: toSuppressionDto(suppression) };
    },
  });

  r.route({
    method: 'delete',
    path: '/api/admin/suppressions',
    summary: 'Lift a suppression: the recipient may be written to again',
    tags: ['Sender safety'],
    access: 'admin',
    request: { query: DeleteSuppressionQuery },
    errors: [404],
    responses: { 204: { description: 'Lifted' } },
    handler: async ({ query }) => {
      const input = {
        senderNumber: senderOf(query.sender_number),
        recipient: recipientOf(query.recipient),
      };
      if (!(await deleteSuppression(deps.db, input))) {
        throw notFound('SUPPRESSION_NOT_FOUND', `${input.recipient} is not suppressed there`);
      }
      return { status: 204 };
    },
  });

  r.route({
    method: 'get',
    path: '/api/suppressions',
    summary: 'Who opted out of your number (and of every number), newest first',
    tags: ['Sender safety'],
    access: 'open',
    request: { query: UserListQuery },
    responses: { 200: { description: 'One page', schema: SuppressionPageDto } },
    handler: async ({ query }) => {
      const sender = requireSenderNumber(query.sender_number, deps.config.defaultCountry);
      return { status: 200, body: await page(sender, query.limit, query.offset) };
    },
  });
};
