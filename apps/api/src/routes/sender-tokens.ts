import { findSession } from '@herald/db';
import { z } from 'zod';
import type { RouteModule } from '../deps.ts';
import { createPhoneParser } from '../services/sender-scope.ts';
import { issueSenderToken, revokeSenderToken } from '../services/sender-tokens.ts';
import { sessionNotFound } from '../services/session-state.ts';

const PhoneParams = z.object({ phone_number: z.string().max(64).meta({ example: '21642108077' }) });

const RotatedTokenDto = z
  .object({
    phone_number: z.string(),
    sender_token: z
      .string()
      .meta({ description: 'The new token; the previous one no longer works' }),
  })
  .meta({ id: 'RotatedSenderToken' });

const RevokedTokenDto = z
  .object({
    phone_number: z.string(),
    revoked: z.boolean().meta({ description: 'Whether a token was in force' }),
  })
  .meta({ id: 'RevokedSenderToken' });

/** An admin's hold on sender tokens: hand a sender a new one, or take it away. */
export const senderTokenRoutes: RouteModule = (r, deps) => {
  const phoneOf = createPhoneParser(deps.config.defaultCountry);

  r.route({
    method: 'post',
    path: '/api/admin/sessions/{phone_number}/token',
    summary: "Rotate a sender's token: a new one is returned once, the old one stops working",
    tags: ['Admin'],
    access: 'admin',
    request: { params: PhoneParams },
    responses: { 200: { description: 'The new token', schema: RotatedTokenDto } },
    errors: [404],
    handler: async ({ params }) => {
      const phone = phoneOf(params.phone_number);
      if (!(await findSession(deps.db, phone))) throw sessionNotFound(phone);
      const token = await issueSenderToken(deps, phone);
      deps.logger.info('sender token rotated by an admin', { phone });
      return { status: 200, body: { phone_number: phone, sender_token: token } };
    },
  });

  r.route({
    method: 'delete',
    path: '/api/admin/sessions/{phone_number}/token',
    summary:
      "Revoke a sender's token: it stops working; a connected number gets a new one only from an admin",
    tags: ['Admin'],
    access: 'admin',
    request: { params: PhoneParams },
    responses: { 200: { description: 'Revoked', schema: RevokedTokenDto } },
    handler: async ({ params }) => {
      const phone = phoneOf(params.phone_number);
      const revoked = await revokeSenderToken(deps, phone);
      deps.logger.info('sender token revoked by an admin', { phone, revoked });
      return { status: 200, body: { phone_number: phone, revoked } };
    },
  });
};
