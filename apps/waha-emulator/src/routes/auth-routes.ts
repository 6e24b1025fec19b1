import type { EmulatorContext } from '../context.ts';
import { isRecord, json, nestError } from '../http.ts';
import { generatePairingCode } from '../ids.ts';
import { renderQrPng } from '../qr.ts';
import type { Route } from '../router.ts';
import { pollUntil } from '../timers.ts';

export function authRoutes(ctx: EmulatorContext): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/:session/auth/qr',
      handler: async ({ params, query, headers }) => {
        const record = await ctx.sessions.waitUntilStatus(params.session, ['SCAN_QR_CODE']);
        const value = record.run?.qr ?? '';
        if (query.format === 'raw') return json({ value });
        const png = await renderQrPng(value);
        // Only this exact Accept value turns the image into JSON (BufferResponseInterceptor).
        if (headers.accept === 'application/json') {
          return json({ mimetype: 'image/png', data: png.toString('base64') });
        }
        return { kind: 'png', data: png };
      },
    },
    {
      method: 'POST',
      pattern: '/api/:session/auth/request-code',
      handler: async ({ params, body }) => {
        const record = ctx.sessions.getRunning(params.session as string);
        const method = isRecord(body) ? body.method : undefined;
        if (ctx.settings.engine === 'NOWEB' && method) {
          throw nestError(
            422,
            `NOWEB engine doesn't support any 'method', remove it and try again`,
          );
        }
        // A starting session waits for its first QR before it can pair by code.
        await pollUntil(
          () => record.run?.status !== 'STARTING',
          ctx.settings.statusWaitMs,
          () => ctx.closed,
        );
        const status = record.run?.status ?? 'STOPPED';
        if (status !== 'SCAN_QR_CODE') {
          throw nestError(
            422,
            `Can request code only in SCAN_QR_CODE status. The current status is ${status}`,
          );
        }
        return json({ code: generatePairingCode() });
      },
    },
  ];
}
