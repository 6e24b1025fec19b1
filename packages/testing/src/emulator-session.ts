import { waitFor } from './wait-for.ts';

/** What `linkEmulatorSession` needs of a running WAHA emulator. */
export interface LinkableEmulator {
  url: string;
  apiKey: string | null;
  sessions(): { name: string; status: string }[];
  scan(session: string, phone: string): void;
}

/**
 * Starts a WAHA session on the emulator through its API and scans its QR as `phone`, leaving it
 * WORKING. On Core the session must be `default`.
 */
export async function linkEmulatorSession(
  emulator: LinkableEmulator,
  session: string,
  phone: string,
  /** WAHA's session config, e.g. NOWEB's store (`{noweb:{store:{enabled:true}}}`). */
  config?: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${emulator.url}/api/sessions/start`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(emulator.apiKey ? { 'x-api-key': emulator.apiKey } : {}),
    },
    body: JSON.stringify(config ? { name: session, config } : { name: session }),
  });
  if (!response.ok) {
    throw new Error(
      `starting session ${session} answered ${response.status}: ${await response.text()}`,
    );
  }
  const statusOf = () => emulator.sessions().find((s) => s.name === session)?.status;
  await waitFor(() => statusOf() === 'SCAN_QR_CODE', { what: `session ${session} to show a QR` });
  emulator.scan(session, phone);
  await waitFor(() => statusOf() === 'WORKING', { what: `session ${session} to be WORKING` });
}
