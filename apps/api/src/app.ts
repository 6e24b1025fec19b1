import express from 'express';
import type { AppDeps, RouteModule } from './deps.ts';
import { createRequestGuard } from './http/access.ts';
import { defaultBodyLimit, maxJsonContainers } from './http/body-limits.ts';
import { corsHeaders } from './http/cors.ts';
import { serveDashboard } from './http/dashboard.ts';
import { errorHandler, routeNotFound } from './http/errors.ts';
import { createOpenApiRegistry, serveOpenApi } from './http/openapi.ts';
import { assignRequestId } from './http/request-id.ts';
import { createRouteRegistrar } from './http/route.ts';
import { securityHeaders } from './http/security-headers.ts';
import { adminRoutes } from './routes/admin.ts';
import { campaignControlRoutes } from './routes/campaign-controls.ts';
import { campaignEventRoutes } from './routes/campaign-events.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { delayRoutes } from './routes/delays.ts';
import { observabilityRoutes } from './routes/observability.ts';
import { senderPolicyRoutes } from './routes/sender-policy.ts';
import { senderTokenRoutes } from './routes/sender-tokens.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { suppressionRoutes } from './routes/suppressions.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { workerRoutes } from './routes/workers.ts';

const ROUTE_MODULES: RouteModule[] = [
  campaignRoutes,
  campaignControlRoutes,
  campaignEventRoutes,
  sessionRoutes,
  workerRoutes,
  delayRoutes,
  adminRoutes,
  senderTokenRoutes,
  senderPolicyRoutes,
  suppressionRoutes,
  webhookRoutes,
  observabilityRoutes,
];

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.use(assignRequestId);
  app.use(securityHeaders);
  app.use(corsHeaders(deps.config.corsOrigins));
  app.use((req, res, next) => {
    // Checked per request: the level may change while the gateway runs.
    if (!deps.logger.isLevelEnabled('http')) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      deps.logger.http('request', {
        requestId: req.id,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      });
    });
    next();
  });

  const router = express.Router();
  const registry = createOpenApiRegistry();
  // Each route parses its own body: JSON, or raw bytes for a signed one (webhooks).
  const r = createRouteRegistrar(router, registry, createRequestGuard(deps), {
    bodyLimit: deps.config.bodyLimit ?? defaultBodyLimit(deps.config.maxRecipients),
    maxJsonContainers: maxJsonContainers(deps.config.maxRecipients),
  });
  for (const register of ROUTE_MODULES) register(r, deps);
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  serveOpenApi(router, registry, '1.0.0');
  serveDashboard(router);

  app.use(router);
  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  return app;
}
