import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/endpoints.ts';
import { ApiError, type Credentials } from '../api/http.ts';
import { ErrorNote, Field, type Problems, WholeNumberField } from '../ui/form.tsx';
import { optionalWholeNumber, wholeNumber } from '../ui/numbers.ts';
import { describeError, useLoad } from '../ui/use-load.ts';

const asProblems = (e: unknown, fields: string[]): Problems =>
  e instanceof ApiError && e.fields.length
    ? Object.fromEntries(fields.map((f) => [f, e.about(f)]))
    : { form: describeError(e) };

/** MESSAGE_DELAY and SENDER_SWITCH_DELAY for everyone, in seconds. */
export function DelaySettings({ who }: { who: Credentials }) {
  const current = useLoad(() => api.delays(who), []);
  const [v, setV] = useState({ message: '', switch: '' });
  const [problems, setProblems] = useState<Problems>({});
  const [saved, setSaved] = useState(false);
  // What the admin already typed wins over values that arrive later.
  const [touched, setTouched] = useState(false);
  useEffect(() => {
    if (current.data && !touched) {
      setV({
        message: String(current.data.MESSAGE_DELAY),
        switch: String(current.data.SENDER_SWITCH_DELAY),
      });
    }
  }, [current.data, touched]);
  const edit = (change: Partial<typeof v>) => {
    setTouched(true);
    setV({ ...v, ...change });
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const message = wholeNumber(v.message, 'The delay between messages');
    const switching = wholeNumber(v.switch, 'The delay between senders');
    const found: Problems = {
      MESSAGE_DELAY: typeof message === 'string' ? message : undefined,
      SENDER_SWITCH_DELAY: typeof switching === 'string' ? switching : undefined,
    };
    setProblems(found);
    if (typeof message === 'string' || typeof switching === 'string') return;
    try {
      await api.setDelays(who, message, switching);
      setSaved(true);
    } catch (e) {
      setProblems(asProblems(e, ['MESSAGE_DELAY', 'SENDER_SWITCH_DELAY']));
    }
  };
  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="delays-title">
      <h2 id="delays-title">Delays for everyone</h2>
      <ErrorNote error={current.error} />
      <WholeNumberField
        label="Seconds between messages (MESSAGE_DELAY)"
        error={problems.MESSAGE_DELAY}
        value={v.message}
        onInput={(message) => edit({ message })}
      />
      <WholeNumberField
        label="Seconds between senders (SENDER_SWITCH_DELAY)"
        error={problems.SENDER_SWITCH_DELAY}
        value={v.switch}
        onInput={(text) => edit({ switch: text })}
      />
      <ErrorNote error={problems.form} />
      <button type="submit">Save delays</button>
      {saved && <p role="status">Saved.</p>}
    </form>
  );
}

/** One sender's own delays; empty fields fall back to the global ones. */
export function SenderDelays({ who }: { who: Credentials }) {
  const [v, setV] = useState({ sender: '', message: '', switch: '' });
  const [problems, setProblems] = useState<Problems>({});
  const [status, setStatus] = useState<string | null>(null);
  const load = async () => {
    setStatus(null);
    if (!v.sender.trim()) return setProblems({ sender: 'Enter the sender number' });
    try {
      const d = await api.userDelays(who, v.sender.trim());
      setV({
        ...v,
        message: d.message_delay === null ? '' : String(d.message_delay),
        switch: d.sender_switch_delay === null ? '' : String(d.sender_switch_delay),
      });
      setProblems({});
      setStatus(
        `In force: ${d.MESSAGE_DELAY} s between messages, ${d.SENDER_SWITCH_DELAY} s between senders`,
      );
    } catch (e) {
      setProblems({ sender: describeError(e) });
    }
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    setStatus(null);
    const message = optionalWholeNumber(v.message, 'The delay between messages');
    const switching = optionalWholeNumber(v.switch, 'The delay between senders');
    const found: Problems = {
      sender: v.sender.trim() ? undefined : 'Enter the sender number',
      message_delay: typeof message === 'string' ? message : undefined,
      sender_switch_delay: typeof switching === 'string' ? switching : undefined,
    };
    setProblems(found);
    if (
      Object.values(found).some(Boolean) ||
      typeof message === 'string' ||
      typeof switching === 'string'
    )
      return;
    try {
      await api.setUserDelays(who, v.sender.trim(), {
        message_delay: message,
        sender_switch_delay: switching,
      });
      setStatus('Saved.');
    } catch (e) {
      const p = asProblems(e, ['message_delay', 'sender_switch_delay', 'sender_number']);
      setProblems({ ...p, sender: p.sender_number });
    }
  };
  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="sender-delays-title">
      <h2 id="sender-delays-title">Delays for one sender</h2>
      <Field label="Sender number" error={problems.sender}>
        {(a) => (
          <input
            {...a}
            type="tel"
            value={v.sender}
            onInput={(e) => setV({ ...v, sender: e.currentTarget.value })}
          />
        )}
      </Field>
      <button type="button" onClick={load}>
        Show this sender's delays
      </button>
      <WholeNumberField
        label="Seconds between messages"
        hint="Empty: the global delay"
        error={problems.message_delay}
        value={v.message}
        onInput={(message) => setV({ ...v, message })}
      />
      <WholeNumberField
        label="Seconds between senders"
        hint="Empty: the global delay"
        error={problems.sender_switch_delay}
        value={v.switch}
        onInput={(text) => setV({ ...v, switch: text })}
      />
      <ErrorNote error={problems.form} />
      <button type="submit">Save sender delays</button>
      {status && <p role="status">{status}</p>}
    </form>
  );
}
