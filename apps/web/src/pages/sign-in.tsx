import { useState } from 'preact/hooks';
import { api } from '../api/endpoints.ts';
import { ApiError, type Credentials } from '../api/http.ts';
import { Field } from '../ui/form.tsx';
import { describeError } from '../ui/use-load.ts';

/** Two ways in: the admin key, or a sender's number (and token where tokens are on). */
export function SignIn({ onSignIn }: { onSignIn(who: Credentials): void }) {
  return (
    <main class="sign-in">
      <h1>Herald</h1>
      <div class="cards">
        <AdminSignIn onSignIn={onSignIn} />
        <SenderSignIn onSignIn={onSignIn} />
      </div>
    </main>
  );
}

function AdminSignIn({ onSignIn }: { onSignIn(who: Credentials): void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!key.trim()) return setError('Enter the admin key (npm start prints it)');
    const who: Credentials = { kind: 'admin', adminKey: key.trim() };
    setBusy(true);
    try {
      // Any admin call proves the key.
      await api.metrics(who);
      onSignIn(who);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 403
          ? 'This admin key is not valid'
          : describeError(e),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="admin-title">
      <h2 id="admin-title">Admin</h2>
      <Field label="Admin key" error={error}>
        {(attrs) => (
          <input
            {...attrs}
            type="password"
            autocomplete="off"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
          />
        )}
      </Field>
      <button type="submit" disabled={busy}>
        Sign in as admin
      </button>
    </form>
  );
}

function SenderSignIn({ onSignIn }: { onSignIn(who: Credentials): void }) {
  const [number, setNumber] = useState('');
  const [token, setToken] = useState('');
  const [errors, setErrors] = useState<{ number?: string; token?: string }>({});
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!/\d{6,}/.test(number.replace(/\D/g, ''))) {
      return setErrors({
        number: 'Enter your WhatsApp number with its country code, e.g. +216 20 000 101',
      });
    }
    const who: Credentials = { kind: 'sender', number: number.trim(), token: token.trim() || null };
    setBusy(true);
    try {
      // Listing one's own campaigns checks the number's format and the token.
      await api.campaigns(who, { limit: 1, offset: 0 });
      onSignIn(who);
    } catch (e) {
      // Where tokens are on, a number not connected yet has none: connecting it gives one.
      if (e instanceof ApiError && e.code === 'SENDER_TOKEN_REQUIRED' && !who.token) {
        return onSignIn(who);
      }
      const message = describeError(e);
      const aboutToken = e instanceof ApiError && (e.status === 401 || /TOKEN/.test(e.code));
      setErrors(aboutToken ? { token: message } : { number: message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="sender-title">
      <h2 id="sender-title">Sender</h2>
      <Field label="Phone number" error={errors.number}>
        {(attrs) => (
          <input
            {...attrs}
            type="tel"
            autocomplete="tel"
            value={number}
            onInput={(e) => setNumber(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field
        label="Sender token"
        hint="Only where this Herald requires tokens: the one returned when the number was connected"
        error={errors.token}
      >
        {(attrs) => (
          <input
            {...attrs}
            type="password"
            autocomplete="off"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        )}
      </Field>
      <button type="submit" disabled={busy}>
        Sign in as sender
      </button>
    </form>
  );
}
