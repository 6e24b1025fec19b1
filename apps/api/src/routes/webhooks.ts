import { z } from 'zod';
import type { RouteModule } from '../deps.ts';
import { assertSignedByWaha, handleWahaEvent } from '../services/handle-webhook.ts';

/**
 * Accepted loosely on purpose: the signature is checked before the event is read, so a body that
 * is not WAHA's is a 401 rather than a validation error that would describe what we expect.
 */
const WahaEvent = z
  .looseObject({
    id: z.string().optional(),
    timestamp: z.number().optional(),
    event: z.string().optional().meta({ example: 'message.ack' }),
    session: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).nullish(),
    me: z.unknown().optional(),
    payload: z.unknown().optional(),
  })
  .meta({
    id: 'WahaWebhookEvent',
    description: 'A WAHA webhook envelope, signed with X-Webhook-Hmac',
  });

const WebhookAck = z.object({ status: z.literal('success') }).meta({ id: 'WebhookAck' });

export const webhookRoutes: RouteModule = (r, deps) => {
  for (const path of ['/api/webhooks/waha', '/api/webhook']) {
    r.route({
      method: 'post',
      path,
      summary:
        path === '/api/webhook'
          ? 'WAHA events (the original path; same as /api/webhooks/waha)'
          : 'WAHA events: session.status, message.ack, message.any (HMAC-SHA512 signed)',
      tags: ['Webhooks'],
      access: 'open',
      request: { body: WahaEvent },
      responses: {
        200: { description: 'Accepted (unknown events are ignored)', schema: WebhookAck },
      },
      errors: [401],
      handler: async ({ body, req }) => {
        assertSignedByWaha(deps, req.rawBody, req.get('x-webhook-hmac'));
        const outcome = await handleWahaEvent(deps, body);
        deps.logger.debug('webhook handled', { requestId: req.id, ...outcome });
        return { status: 200, body: { status: 'success' } };
      },
    });
  }
};
