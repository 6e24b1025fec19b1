import { useEffect, useState } from 'preact/hooks';
import type { Session } from '../../generated/api-schema.ts';
import { api } from '../api/endpoints.ts';
import { ApiError, type Credentials } from '../api/http.ts';
import { formatTime, StatusBadge } from '../ui/controls.tsx';
import { ErrorNote } from '../ui/form.tsx';
import { describeError } from '../ui/use-load.ts';

const POLL_MS = 2000;

/**
 * Connects the sender's number: opens its session, then shows the QR code, fetched again every
 * two seconds (WhatsApp rotates it) until the phone has scanned it and the session is CONNECTED.
 */
export function ConnectNumber({
  who,
  onToken,
}: {
  who: Extract<Credentials, { kind: 'sender' }>;
  /** A new sender token: every later call of this tab presents it. */
  onToken(token: string): void;
}) {
  const [session, setSession] = useState<Session | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [token, setToken] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = async () => {
    try {
      const current = await api.session(who, who.number);
      setSession(current);
      if (current.status === 'CONNECTED') return setQr(null);
      if (['STARTING', 'WAITING_FOR_SCAN', 'SCANNED'].includes(current.status)) {
        const answer = await api.sessionQr(who, who.number);
        setQr(answer.status === 'WAITING_FOR_SCAN' ? (answer.qr_code ?? null) : null);
      }
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return setSession(null);
      // The QR is not ready yet while the worker starts the session: keep polling quietly.
      if (e instanceof ApiError && e.status === 409) return;
      setError(describeError(e));
    }
  };
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [who.number, who.token]);

  const connect = async () => {
    setBusy(true);
    setError(null);
    try {
      const opened = await api.openSession(who, who.number);
      if (opened.sender_token) {
        // Returned once: keep it for this tab's calls and show it so it can be copied.
        setToken(opened.sender_token);
        onToken(opened.sender_token);
      }
      setSession(opened);
      await refresh();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const connected = session?.status === 'CONNECTED';
  return (
    <section aria-labelledby="connect-title">
      <h1 id="connect-title">Connect {who.number}</h1>
      {session ? (
        <p>
          Status: <StatusBadge status={session.status} />{' '}
          <span class="muted">{session.message}</span>
        </p>
      ) : (
        <p>This number is not connected to Herald yet.</p>
      )}
      {connected && (
        <p class="ok" data-testid="connected">
          CONNECTED. The session expires {formatTime(session.expires_at)}
          {session.expiry_warning ? ' (soon: open WhatsApp on the phone to keep it alive)' : ''}.
        </p>
      )}
      {!connected && (
        <button type="button" onClick={connect} disabled={busy}>
          {session ? 'Connect again' : 'Connect this number'}
        </button>
      )}
      {qr && !connected && (
        <figure class="qr">
          <img
            src={qr.startsWith('data:') ? qr : `data:image/png;base64,${qr}`}
            alt="QR code: scan it in WhatsApp, Linked devices"
            width={264}
            height={264}
          />
          <figcaption>
            Open WhatsApp on the phone, Linked devices, and scan. The code refreshes by itself.
          </figcaption>
        </figure>
      )}
      {token && (
        <p class="token" role="status">
          Your sender token (shown once, keep it): <code>{token}</code>
        </p>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
