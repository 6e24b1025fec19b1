import { renderTemplate } from '@herald/domain/template';
import { useState } from 'preact/hooks';
import type { CampaignCreated, SendCampaignRequest } from '../../generated/api-schema.ts';
import { api } from '../api/endpoints.ts';
import { ApiError, type Credentials } from '../api/http.ts';
import { type ReadRecipients, readCsv, readPasted } from '../recipients-input.ts';
import { ErrorNote, Field, type Problems } from '../ui/form.tsx';
import { describeError } from '../ui/use-load.ts';

/**
 * A new campaign: template with a live preview for the first recipient, recipients pasted or
 * from a CSV (its other columns are per-recipient variables), optional media URL and schedule.
 * Nothing is sent while any field has a problem.
 */
export function SubmitCampaign({ who }: { who: Extract<Credentials, { kind: 'sender' }> }) {
  const [template, setTemplate] = useState('');
  const [pasted, setPasted] = useState('');
  const [csv, setCsv] = useState<{ name: string; read: ReadRecipients } | null>(null);
  const [mediaUrl, setMediaUrl] = useState('');
  const [sendAt, setSendAt] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const [created, setCreated] = useState<CampaignCreated | null>(null);
  const [busy, setBusy] = useState(false);

  const list = csv?.read ?? readPasted(pasted);
  const first = list.recipients[0];
  const preview = first ? renderTemplate(template, first.variables) : template;

  const onFile = async (file: File | undefined) => {
    if (!file) return setCsv(null);
    try {
      setCsv({ name: file.name, read: readCsv(await file.text()) });
      setProblems({ ...problems, recipients: undefined });
    } catch (e) {
      setCsv(null);
      setProblems({ ...problems, recipients: `${file.name}: ${describeError(e)}` });
    }
  };

  const check = (): Problems => {
    const found: Problems = {};
    if (!template.trim()) found.template = 'Write the message to send';
    if (list.invalid.length) {
      found.recipients = `Fix or remove ${list.invalid.length} entr${list.invalid.length === 1 ? 'y' : 'ies'}: ${list.invalid.slice(0, 3).join('; ')}${list.invalid.length > 3 ? '…' : ''}`;
    } else if (list.recipients.length === 0) found.recipients = 'Add at least one recipient';
    if (mediaUrl.trim() && !/^https?:\/\/\S+$/.test(mediaUrl.trim())) {
      found.media_url = 'The media URL must start with http:// or https://';
    }
    if (sendAt && !(new Date(sendAt).getTime() > Date.now())) {
      found.send_at = 'The schedule must be in the future';
    }
    return found;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = check();
    setProblems(found);
    if (Object.values(found).some(Boolean)) return;
    const body: SendCampaignRequest = {
      sender_number: who.number,
      template,
      recipients: list.recipients.map((r) =>
        Object.keys(r.variables).length ? { phone: r.phone, variables: r.variables } : r.phone,
      ),
      media_url: mediaUrl.trim() || null,
      ...(sendAt ? { send_at: new Date(sendAt).toISOString() } : {}),
    };
    setBusy(true);
    try {
      setCreated(await api.send(who, body));
    } catch (e) {
      setProblems(e instanceof ApiError ? apiProblems(e) : { form: describeError(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="send-title">
      <h1 id="send-title">New campaign from {who.number}</h1>
      <form onSubmit={submit} noValidate class="stack">
        <Field
          label="Message template"
          hint="{{name}} is replaced by each recipient's value of the column name"
          error={problems.template}
        >
          {(a) => (
            <textarea
              {...a}
              rows={4}
              value={template}
              onInput={(e) => setTemplate(e.currentTarget.value)}
            />
          )}
        </Field>
        <div class="preview" aria-live="polite">
          <h2>Preview{first ? ` for ${first.phone}` : ''}</h2>
          <p data-testid="preview">{preview || '(empty)'}</p>
        </div>
        <Field
          label="Recipients"
          hint="One number per line, with its country code; or upload a CSV below"
          error={csv ? undefined : problems.recipients}
        >
          {(a) => (
            <textarea
              {...a}
              rows={5}
              value={pasted}
              disabled={Boolean(csv)}
              onInput={(e) => setPasted(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          label="CSV file"
          hint="First row: phone and variable names, e.g. phone,name"
          error={csv ? problems.recipients : undefined}
        >
          {(a) => (
            <input
              {...a}
              type="file"
              accept=".csv,text/csv"
              onChange={(e) => onFile(e.currentTarget.files?.[0])}
            />
          )}
        </Field>
        <p class="counts" data-testid="counts">
          {list.recipients.length} recipient{list.recipients.length === 1 ? '' : 's'}
          {csv ? ` from ${csv.name}` : ''} · {list.duplicates} duplicate
          {list.duplicates === 1 ? '' : 's'} removed · {list.invalid.length} invalid
          {list.columns.length ? ` · variables: ${list.columns.join(', ')}` : ''}
        </p>
        <Field label="Media URL (optional)" error={problems.media_url}>
          {(a) => (
            <input
              {...a}
              type="url"
              value={mediaUrl}
              onInput={(e) => setMediaUrl(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          label="Send at (optional)"
          hint="Your local time; empty sends now"
          error={problems.send_at}
        >
          {(a) => (
            <input
              {...a}
              type="datetime-local"
              value={sendAt}
              onInput={(e) => setSendAt(e.currentTarget.value)}
            />
          )}
        </Field>
        <ErrorNote error={problems.form ?? problems.sender_number} />
        <button type="submit" disabled={busy}>
          Send campaign
        </button>
      </form>
      {created && (
        <p class="ok" role="status" data-testid="created">
          Campaign <a href={`#/campaigns/${created.id}`}>#{created.id}</a> accepted:{' '}
          {created.total_messages} messages, {created.duplicates_removed} duplicates removed by
          Herald, {created.suppressed} suppressed (opted out).
        </p>
      )}
    </section>
  );
}

const FIELDS = ['template', 'recipients', 'media_url', 'send_at', 'sender_number'];
/** Which field an error code is about, when the API names no field path. */
const FIELD_OF_CODE: [RegExp, string][] = [
  [/RECIPIENT/, 'recipients'],
  [/TEMPLATE|VARIABLE|MESSAGE_TOO_LONG|BLANK/, 'template'],
  [/MEDIA/, 'media_url'],
  [/SEND_AT|SCHEDULE/, 'send_at'],
];

/**
 * The API's answer, next to the field it is about: its field paths (recipients.3.phone →
 * recipients), else its code; with the numbers or names it lists.
 */
function apiProblems(e: ApiError): Problems {
  const out: Problems = {};
  for (const f of e.fields) {
    const field = f.path.split('.')[0] ?? 'form';
    const name = FIELDS.includes(field) ? field : 'form';
    out[name] = out[name] ? `${out[name]}; ${f.message}` : `${f.path}: ${f.message}`;
  }
  if (e.fields.length) return out;
  const field = FIELD_OF_CODE.find(([code]) => code.test(e.code))?.[1] ?? 'form';
  const listed = Object.values((e.details ?? {}) as Record<string, unknown>).find(Array.isArray);
  const names = listed?.length ? `: ${listed.slice(0, 10).join(', ')}` : '';
  return { [field]: `${describeError(e)}${names}` };
}
