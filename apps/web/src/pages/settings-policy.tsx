import { useEffect, useRef, useState } from 'preact/hooks';
import type { SenderPolicyUpdate } from '../../generated/api-schema.ts';
import { api } from '../api/endpoints.ts';
import { ApiError, type Credentials } from '../api/http.ts';
import { formatTime } from '../ui/controls.tsx';
import { ErrorNote, Field, type Problems } from '../ui/form.tsx';
import { optionalWholeNumber } from '../ui/numbers.ts';
import { describeError } from '../ui/use-load.ts';

type Values = {
  sender: string;
  jitter: string;
  hourly: string;
  daily: string;
  warmup: string;
  burstSize: string;
  burstPause: string;
};
const EMPTY: Values = {
  sender: '',
  jitter: '',
  hourly: '',
  daily: '',
  warmup: '',
  burstSize: '',
  burstPause: '',
};
const text = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));

/**
 * The sender policy: for everyone (empty sender; an empty field turns that limit off) or one
 * sender's override (an empty field inherits the global value). Working hours and the health
 * rule are kept as they are. The rules themselves live in the API; this form only edits numbers.
 */
export function SenderPolicySettings({ who }: { who: Credentials }) {
  const [v, setV] = useState<Values>(EMPTY);
  const [problems, setProblems] = useState<Problems>({});
  const [status, setStatus] = useState<string | null>(null);
  const [loaded, setLoaded] = useState<string | null>(null);

  // Typing after a load started wins over the values it brings.
  const typed = useRef(false);
  const load = async (sender: string) => {
    setStatus(null);
    typed.current = false;
    try {
      const answer = sender
        ? await api.senderPolicyOverride(who, sender)
        : await api.senderPolicy(who);
      const p = 'override' in answer ? answer.override : answer;
      setLoaded(
        `${sender ? `Override for ${sender}` : 'Policy for everyone'}, last changed ${formatTime(answer.updated_at)}`,
      );
      if (typed.current) return;
      setV({
        sender,
        jitter: text(p.delay_jitter_seconds),
        hourly: text(p.hourly_cap),
        daily: text(p.daily_cap),
        warmup: (p.warmup ?? []).join(', '),
        burstSize: text(p.burst?.size),
        burstPause: text(p.burst?.pause_seconds),
      });
      setProblems({});
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        setV({ ...EMPTY, sender });
        setLoaded(null);
        return setStatus(`${sender} has no override: the policy for everyone applies`);
      }
      setProblems({ sender: describeError(e) });
    }
  };
  useEffect(() => void load(''), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setStatus(null);
    const found: Problems = {};
    const number = (key: keyof Values, label: string, min: number) => {
      const n = optionalWholeNumber(v[key], label, min);
      if (typeof n === 'string') found[key] = n;
      return typeof n === 'string' ? null : n;
    };
    const jitter = number('jitter', 'The random extra delay', 0);
    const hourly = number('hourly', 'The hourly cap', 1);
    const daily = number('daily', 'The daily cap', 1);
    const burstSize = number('burstSize', 'The burst size', 1);
    const burstPause = number('burstPause', 'The pause after a burst', 1);
    const warmupParts = v.warmup
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const warmup = warmupParts.map(Number);
    if (warmup.some((n) => !Number.isInteger(n) || n < 1))
      found.warmup = 'The warm-up is a list of daily caps, e.g. 20, 40, 80';
    if ((burstSize === null) !== (burstPause === null))
      found.burstPause = 'Give both the burst size and its pause, or neither';
    setProblems(found);
    if (Object.values(found).some(Boolean)) return;
    const all: SenderPolicyUpdate = {
      delay_jitter_seconds: jitter,
      hourly_cap: hourly,
      daily_cap: daily,
      warmup: warmup.length ? warmup : null,
      burst:
        burstSize !== null && burstPause !== null
          ? { size: burstSize, pause_seconds: burstPause }
          : null,
    };
    // An override lists only what it changes.
    const body = v.sender
      ? (Object.fromEntries(
          Object.entries(all).filter(([, value]) => value !== null),
        ) as SenderPolicyUpdate)
      : all;
    try {
      if (v.sender) await api.setSenderPolicyOverride(who, v.sender, body);
      else await api.setSenderPolicy(who, body);
      setStatus('Saved.');
    } catch (e) {
      if (e instanceof ApiError && e.fields.length) {
        setProblems({
          jitter: e.about('delay_jitter_seconds'),
          hourly: e.about('hourly_cap'),
          daily: e.about('daily_cap'),
          warmup: e.about('warmup'),
          burstSize: e.about('burst'),
        });
      } else setProblems({ form: describeError(e) });
    }
  };
  const field = (key: keyof Values, label: string, hint?: string) => (
    <Field label={label} error={problems[key]} {...(hint ? { hint } : {})}>
      {(a) => (
        <input
          {...a}
          value={v[key]}
          inputMode="numeric"
          onInput={(e) => {
            typed.current = true;
            setV({ ...v, [key]: e.currentTarget.value });
          }}
        />
      )}
    </Field>
  );
  return (
    <form class="card wide" onSubmit={submit} noValidate aria-labelledby="policy-title">
      <h2 id="policy-title">Sender policy</h2>
      <div class="row">
        <Field
          label="Policy of sender"
          hint="Empty: the policy for everyone"
          error={problems.sender}
        >
          {(a) => (
            <input
              {...a}
              type="tel"
              value={v.sender}
              onInput={(e) => setV({ ...v, sender: e.currentTarget.value })}
            />
          )}
        </Field>
        <button type="button" onClick={() => load(v.sender.trim())}>
          Load policy
        </button>
      </div>
      {loaded && <p class="muted">{loaded}</p>}
      <div class="grid">
        {field('jitter', 'Random extra delay (s)')}
        {field('hourly', 'Messages per hour at most')}
        {field('daily', 'Messages per day at most')}
        {field('warmup', 'Warm-up daily caps', 'Comma-separated, day 1 first')}
        {field('burstSize', 'Burst size (messages)')}
        {field('burstPause', 'Pause after a burst (s)')}
      </div>
      <ErrorNote error={problems.form} />
      <button type="submit">Save policy</button>
      {status && <p role="status">{status}</p>}
    </form>
  );
}
