import { WahaWebhookEventSchema } from '@herald/waha';
import { z } from 'zod';
import type { RouteModule } from '../deps.ts';
import { assertSignedByWaha, handleWahaEvent } from '../services/handle-webhook.ts';

const WahaEvent = WahaWebhookEventSchema.meta({
  id: 'WahaWebhookEvent',
  description: 'A WAHA webhook envelope, signed with X-Webhook-Hmac (HMAC-SHA512 of the body)',
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
      // The signature is checked on the bytes received, before anything reads them: a body that
      // is not WAHA's is a 401, never a validation error describing what Herald expects.
      verifyRawBody: (raw, req) => assertSignedByWaha(deps, raw, req.get('x-webhook-hmac')),
      bodyLimit: deps.config.webhookBodyLimit,
      request: { body: WahaEvent },
      responses: {
        200: { description: 'Accepted (unknown events are ignored)', schema: WebhookAck },
      },
      errors: [401],
      handler: async ({ body, req }) => {
        const outcome = await handleWahaEvent(deps, body);
        deps.logger.debug('webhook handled', { requestId: req.id, ...outcome });
        return { status: 200, body: { status: 'success' } };
      },
    });
  }
};
