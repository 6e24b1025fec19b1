import type { EmulatorContext } from '../context.ts';
import {
  applyFaults,
  ControlError,
  goOfflineFor,
  logoutFromPhone,
  receiveMessage,
  scanSession,
  sendFromPhone,
} from '../control.ts';
import { HttpError, isRecord, json, type Reply } from '../http.ts';
import type { Route } from '../router.ts';
import { pollUntil } from '../timers.ts';

/** Control errors are plain `{error}` bodies: this API is the emulator's own, not WAHA's. */
function guarded(fn: () => Reply | Promise<Reply>): Promise<Reply> {
  return Promise.resolve()
    .then(fn)
    .catch((error: unknown) => {
      if (error instanceof ControlError)
        throw new HttpError(error.status, { error: error.message });
      throw error;
    });
}

export function controlRoutes(ctx: EmulatorContext): Route[] {
  const summary = (name: string) =>
    ctx.sessions.summaries().find((session) => session.name === name) ?? null;
  const body = (raw: unknown) => (isRecord(raw) ? raw : {});

  return [
    {
      method: 'GET',
      pattern: '/_emulator/sessions',
      handler: () => json(ctx.sessions.summaries()),
    },
    {
      method: 'POST',
      pattern: '/_emulator/sessions/:session/scan',
      handler: ({ params, body: raw }) =>
        guarded(async () => {
          const name = params.session as string;
          // A phone scans once the QR shows: a session still STARTING is waited for.
          const starting = () => ctx.sessions.find(name)?.run?.status === 'STARTING';
          await pollUntil(
            () => !starting(),
            ctx.settings.statusWaitMs,
            () => ctx.closed,
          );
          scanSession(ctx, name, body(raw).phone, body(raw).pushName);
          return json(summary(name), 200);
        }),
    },
    // WhatsApp banning the account looks the same to WAHA as a logout: the session FAILS.
    ...(['logout', 'ban'] as const).map(
      (action): Route => ({
        method: 'POST',
        pattern: `/_emulator/sessions/:session/${action}`,
        handler: ({ params }) =>
          guarded(() => {
            const name = params.session as string;
            logoutFromPhone(ctx, name);
            return json(summary(name), 200);
          }),
      }),
    ),
    {
      method: 'POST',
      pattern: '/_emulator/sessions/:session/incoming-message',
      handler: ({ params, body: raw }) =>
        guarded(() => {
          const from = body(raw).from;
          const id = receiveMessage(ctx, params.session as string, from, body(raw).text);
          return json({ id }, 200);
        }),
    },
    {
      method: 'POST',
      pattern: '/_emulator/sessions/:session/phone-message',
      handler: ({ params, body: raw }) =>
        guarded(() => {
          const id = sendFromPhone(ctx, params.session as string, body(raw).to, body(raw).text);
          return json({ id }, 200);
        }),
    },
    { method: 'GET', pattern: '/_emulator/messages', handler: () => json(ctx.messages) },
    {
      method: 'GET',
      pattern: '/_emulator/send-concurrency',
      handler: () => json(ctx.sendConcurrency.snapshot()),
    },
    { method: 'GET', pattern: '/_emulator/faults', handler: () => json(ctx.faults) },
    {
      method: 'POST',
      pattern: '/_emulator/faults',
      handler: ({ body: raw, res }) =>
        guarded(() => {
          const { offlineForMs } = applyFaults(ctx, raw);
          if (offlineForMs !== undefined) {
            // Answer first: going offline also closes the socket this answer travels on.
            res.once('finish', () => void goOfflineFor(ctx, offlineForMs));
          }
          return json(ctx.faults, 200);
        }),
    },
    {
      method: 'POST',
      pattern: '/_emulator/reset',
      handler: () => {
        ctx.reset();
        return json({ reset: true }, 200);
      },
    },
    {
      method: 'GET',
      pattern: '/_emulator/webhook-deliveries',
      handler: () => json(ctx.webhooks.deliveries()),
    },
  ];
}
