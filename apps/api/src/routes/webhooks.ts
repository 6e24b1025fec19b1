import type { RouteModule } from '../app.ts';

// Endpoints of this resource are being written; see the issue tracker.
export const webhookRoutes: RouteModule = () => {};
