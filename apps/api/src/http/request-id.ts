import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

declare global {
  namespace Express {
    interface Request {
      /** Correlates a request's log lines; echoed as X-Request-Id. */
      id: string;
    }
  }
}

/** Honours a sane incoming X-Request-Id (from a proxy) or makes one. */
export const assignRequestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  req.id = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
  res.set('X-Request-Id', req.id);
  next();
};
