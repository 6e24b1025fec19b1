import { useState } from 'preact/hooks';
import type { Worker } from '../../generated/api-schema.ts';
import { ApiError } from '../api/http.ts';
import { ErrorNote, Field, type Problems } from '../ui/form.tsx';
import { describeError } from '../ui/use-load.ts';

export interface WorkerFormValues {
  name: string;
  url: string;
  api_key: string;
  capacity: number;
}

/** Adds or edits a worker; checks what it can first, then shows the API's word on each field. */
export function WorkerForm(props: {
  title: string;
  submitLabel: string;
  initial?: Worker;
  resetAfter?: boolean;
  onSubmit(values: WorkerFormValues): Promise<void>;
}) {
  const blank = { name: '', url: '', api_key: '', capacity: '10' };
  const start = props.initial
    ? {
        name: props.initial.name,
        url: props.initial.url,
        api_key: '',
        capacity: String(props.initial.capacity),
      }
    : blank;
  const [v, setV] = useState(start);
  const [problems, setProblems] = useState<Problems>({});
  const [busy, setBusy] = useState(false);
  const editing = Boolean(props.initial);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found: Problems = {};
    if (!v.name.trim()) found.name = 'Give the worker a name';
    if (!/^https?:\/\/[^\s/]+/.test(v.url.trim()))
      found.url = 'The URL must start with http:// or https:// (e.g. http://10.0.0.5:3000)';
    if (!editing && !v.api_key) found.api_key = "Enter the worker's WAHA API key";
    const capacity = Number(v.capacity);
    if (!Number.isInteger(capacity) || capacity < 1)
      found.capacity = 'Capacity is a whole number of sessions, at least 1';
    setProblems(found);
    if (Object.values(found).some(Boolean)) return;
    setBusy(true);
    try {
      await props.onSubmit({
        name: v.name.trim(),
        url: v.url.trim(),
        api_key: v.api_key,
        capacity,
      });
      if (props.resetAfter) setV(blank);
    } catch (e) {
      if (e instanceof ApiError && e.fields.length) {
        setProblems({
          name: e.about('name'),
          url: e.about('url'),
          api_key: e.about('api_key'),
          capacity: e.about('capacity'),
        });
      } else setProblems({ form: describeError(e) });
    } finally {
      setBusy(false);
    }
  };
  const text = (name: keyof typeof v, label: string, type = 'text', hint?: string) => (
    <Field label={label} error={problems[name]} {...(hint ? { hint } : {})}>
      {(a) => (
        <input
          {...a}
          type={type}
          value={v[name]}
          onInput={(e) => setV({ ...v, [name]: e.currentTarget.value })}
        />
      )}
    </Field>
  );
  return (
    <form class="card" onSubmit={submit} noValidate aria-label={props.title}>
      <h2>{props.title}</h2>
      {text('name', 'Worker name')}
      {text('url', 'Worker URL', 'url')}
      {text(
        'api_key',
        'WAHA API key',
        'password',
        editing ? 'Leave empty to keep the current key' : undefined,
      )}
      {text('capacity', 'Capacity (sessions)', 'number')}
      <ErrorNote error={problems.form} />
      <button type="submit" disabled={busy}>
        {props.submitLabel}
      </button>
    </form>
  );
}
