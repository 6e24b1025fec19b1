import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Router as createRouter, type RequestHandler, type Router } from 'express';
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
  // User endpoints: optional under USER_AUTH=open (any token presented is checked), required
  // under USER_AUTH=token. The token comes from POST /api/sessions.
  registry.registerComponent('securitySchemes', 'SenderToken', {
    type: 'http',
    scheme: 'bearer',
    description:
      'The sender_token returned when a session is created (USER_AUTH=token requires it)',
  });
  registry.registerComponent('securitySchemes', 'SenderTokenHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Sender-Token',
  });
  return registry;
}

/**
 * Serves the generated OpenAPI 3.1 document at /openapi.json and Swagger UI at /docs. Both are
 * built on first use: the document and Swagger UI's module would otherwise sit in every
 * gateway's memory (a few MiB each) for a page that is rarely opened.
 */
export function serveOpenApi(router: Router, registry: OpenAPIRegistry, version: string): void {
  let document: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;
  const documentOnce = () => {
    document ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'Herald',
        version,
        description:
          'Bulk WhatsApp campaigns from your own numbers through a fleet of WAHA workers. User endpoints are open and scoped by sender number; admin endpoints need the X-Admin-Token (or X-Admin-API-Key) header.',
      },
    });
    return document;
  };
  let ui: Promise<RequestHandler> | undefined;
  const uiOnce = () => {
    ui ??= import('swagger-ui-express').then(({ default: swaggerUi }) => {
      const docs = createRouter();
      docs.use(swaggerUi.serve, swaggerUi.setup(documentOnce()));
      return docs;
    });
    return ui;
  };
  router.get('/openapi.json', (_req, res) => {
    res.json(documentOnce());
  });
  router.use('/docs', contentSecurityPolicy(DOCS_CSP), async (req, res, next) => {
    (await uiOnce())(req, res, next);
  });
}
