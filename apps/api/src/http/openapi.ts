import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { contentSecurityPolicy, DOCS_CSP } from './security-headers.ts';

export function createOpenApiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'AdminToken', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Admin-Token',
  });
  registry.registerComponent('securitySchemes', 'AdminApiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Admin-API-Key',
  });
  return registry;
}

/** Serves the generated OpenAPI 3.1 document at /openapi.json and Swagger UI at /docs. */
export function serveOpenApi(router: Router, registry: OpenAPIRegistry, version: string): void {
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Herald',
      version,
      description:
        'Bulk WhatsApp campaigns from your own numbers through a fleet of WAHA workers. User endpoints are open and scoped by sender number; admin endpoints need the X-Admin-Token (or X-Admin-API-Key) header.',
    },
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/docs', contentSecurityPolicy(DOCS_CSP), swaggerUi.serve, swaggerUi.setup(document));
}
