import type { EmulatorContext } from '../context.ts';
import { isRecord, json, nestError } from '../http.ts';
import { generatePrefixedId } from '../ids.ts';
import type { Route } from '../router.ts';

const NAME_PATTERN = /^[a-zA-Z0-9_-]*$/;
// WAHA keeps names short enough for a database name with its `waha_noweb` prefix: 64 - 10.
const NAME_MAX_LENGTH = 54;

/** WAHAValidationPipe on the create body: 400 with class-validator's messages. */
function validateCreateBody(body: Record<string, unknown>): void {
  const messages: string[] = [];
  if (body.name !== undefined && body.name !== null) {
    const name = body.name;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      messages.push(
        'Session name can only contain alphanumeric characters, hyphens, and underscores (a-z, A-Z, 0-9, -, _) or be empty',
      );
    }
    if (typeof name !== 'string' || name.length > NAME_MAX_LENGTH) {
      messages.push(`name must be shorter than or equal to ${NAME_MAX_LENGTH} characters`);
    }
    if (typeof name !== 'string') messages.push('name must be a string');
  }
  if (body.start !== undefined && typeof body.start !== 'boolean') {
    messages.push('start must be a boolean value');
  }
  validateConfig(body, messages);
  if (messages.length > 0) throw nestError(400, messages);
}

function validateConfig(body: Record<string, unknown>, messages: string[]): void {
  if (body.config !== undefined && body.config !== null && !isRecord(body.config)) {
    messages.push('nested property config must be either object or array');
  }
}

function bodyOf(body: unknown): Record<string, unknown> {
  return isRecord(body) ? body : {};
}

function configOf(body: Record<string, unknown>): Record<string, unknown> | null {
  return isRecord(body.config) ? body.config : null;
}

export function sessionRoutes(ctx: EmulatorContext): Route[] {
  const sessions = ctx.sessions;
  const detailed = (name: string) => {
    const record = sessions.find(name);
    return record ? sessions.detailedInfo(record) : undefined;
  };
  const requireExisting = (name: string) => {
    if (!sessions.exists(name)) throw nestError(404, 'Session not found');
  };
  const requireName = (body: Record<string, unknown>): string => {
    if (!body.name || typeof body.name !== 'string') {
      throw nestError(422, 'Session name is required');
    }
    return body.name;
  };

  return [
    {
      method: 'GET',
      pattern: '/api/sessions',
      handler: ({ query }) => {
        const all = parseBooleanQuery('all', query.all);
        return json(sessions.list(all));
      },
    },
    {
      method: 'POST',
      pattern: '/api/sessions',
      handler: ({ body: raw }) => {
        const body = bodyOf(raw);
        validateCreateBody(body);
        const name = (body.name as string | undefined) || generatePrefixedId('session');
        if (sessions.exists(name)) {
          throw nestError(422, `Session '${name}' already exists. Use PUT to update it.`);
        }
        sessions.upsert(name, configOf(body));
        // `start` is false unless sent, whatever the API docs say.
        if (body.start === true) sessions.start(name);
        return json(detailed(name));
      },
    },
    {
      method: 'POST',
      pattern: '/api/sessions/start',
      handler: ({ body: raw }) => {
        const body = bodyOf(raw);
        const name = requireName(body);
        if (sessions.isRunning(name)) {
          throw nestError(422, `Session '${name}' is already started.`);
        }
        const record = sessions.upsert(name, configOf(body));
        sessions.start(name);
        return json({ name, status: record.run?.status ?? 'STOPPED', config: record.config });
      },
    },
    {
      method: 'POST',
      pattern: '/api/sessions/stop',
      handler: ({ body: raw }) => {
        const body = bodyOf(raw);
        const name = requireName(body);
        sessions.stop(name);
        // The old API removed the session completely when asked to log out.
        if (body.logout === true) {
          sessions.logout(name);
          sessions.delete(name);
        }
        return json();
      },
    },
    {
      method: 'POST',
      pattern: '/api/sessions/logout',
      handler: ({ body: raw }) => {
        const name = requireName(bodyOf(raw));
        sessions.stop(name);
        sessions.logout(name);
        sessions.delete(name);
        return json();
      },
    },
    {
      method: 'GET',
      pattern: '/api/sessions/:session',
      handler: ({ params }) => {
        sessions.checkName(params.session as string);
        const info = detailed(params.session as string);
        if (!info) throw nestError(404, 'Session not found');
        return json(info);
      },
    },
    {
      method: 'PUT',
      pattern: '/api/sessions/:session',
      handler: ({ params, body: raw }) => {
        const name = params.session as string;
        const body = bodyOf(raw);
        const messages: string[] = [];
        validateConfig(body, messages);
        if (messages.length > 0) throw nestError(400, messages);
        requireExisting(name);
        const wasRunning = sessions.isRunning(name);
        sessions.stop(name);
        sessions.upsert(name, configOf(body));
        if (wasRunning) sessions.start(name);
        return json(detailed(name));
      },
    },
    {
      method: 'DELETE',
      pattern: '/api/sessions/:session',
      handler: ({ params }) => {
        const name = params.session as string;
        sessions.stop(name);
        sessions.logout(name);
        sessions.delete(name);
        return json();
      },
    },
    {
      method: 'GET',
      pattern: '/api/sessions/:session/me',
      handler: ({ params }) => {
        const record = sessions.getRunning(params.session as string);
        return json(ctx.machine.me(record) ?? undefined);
      },
    },
    {
      method: 'POST',
      pattern: '/api/sessions/:session/start',
      handler: ({ params }) => {
        const name = params.session as string;
        requireExisting(name);
        sessions.start(name);
        return json(detailed(name));
      },
    },
    {
      method: 'POST',
      pattern: '/api/sessions/:session/stop',
      handler: ({ params }) => {
        const name = params.session as string;
        sessions.stop(name);
        return json(detailed(name));
      },
    },
    {
      method: 'POST',
      pattern: '/api/sessions/:session/logout',
      handler: ({ params }) => {
        const name = params.session as string;
        requireExisting(name);
        const wasRunning = sessions.isRunning(name);
        sessions.stop(name);
        sessions.logout(name);
        // Logging out of a running session restarts it, so it shows a fresh QR.
        if (wasRunning) sessions.start(name);
        return json(detailed(name));
      },
    },
    {
      method: 'POST',
      pattern: '/api/sessions/:session/restart',
      handler: ({ params }) => {
        const name = params.session as string;
        requireExisting(name);
        sessions.stop(name);
        sessions.start(name);
        return json(detailed(name));
      },
    },
  ];
}

/** Nest's BooleanString transform followed by IsBoolean. */
export function parseBooleanQuery(name: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (['true', 'True', '1'].includes(value)) return true;
  if (['false', 'False', '0'].includes(value)) return false;
  throw nestError(400, [`${name} must be a boolean value`]);
}
