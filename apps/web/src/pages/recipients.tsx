import { useEffect, useRef, useState } from 'preact/hooks';
import type { CampaignStatus } from '../../generated/api-schema.ts';
import { api, type MessageState } from '../api/endpoints.ts';
import type { Credentials } from '../api/http.ts';
import { formatTime, Pager, StatusBadge } from '../ui/controls.tsx';
import { ErrorNote, Field } from '../ui/form.tsx';
import { useLoad } from '../ui/use-load.ts';

const PAGE = 25;
const STATES: MessageState[] = [
  'PENDING',
  'SENDING',
  'SENT',
  'FAILED',
  'UNKNOWN',
  'CANCELLED',
  'SUPPRESSED',
];

/**
 * A campaign's recipients, a page at a time, all of them or those in one status (the API filters).
 * Follows the stream's changes, reloading at most once a second.
 */
export function RecipientTable(props: { who: Credentials; id: number; changes: number }) {
  const [offset, setOffset] = useState(0);
  const [status, setStatus] = useState('');
  const [tick, setTick] = useState(0);
  // At most one reload a second while changes stream in, and always one after the last change.
  const latest = useRef(props.changes);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    latest.current = props.changes;
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      setTick(latest.current);
    }, 1000);
  }, [props.changes]);
  useEffect(() => () => clearTimeout(pending.current ?? undefined), []);
  const page = useLoad(
    () =>
      api.campaign(props.who, props.id, {
        limit: PAGE,
        offset,
        ...(status ? { status: status as MessageState } : {}),
      }),
    [offset, status, tick],
  );
  const rows = page.data?.messages ?? [];
  // The campaign's total counts every status; a filtered list pages until a page is short.
  const total = status ? null : (page.data?.total_messages ?? null);
  return (
    <section aria-labelledby="recipients-title">
      <h2 id="recipients-title">Recipients</h2>
      <div class="filters">
        <Field label="Status">
          {(a) => (
            <select
              {...a}
              value={status}
              onChange={(e) => {
                setStatus(e.currentTarget.value);
                setOffset(0);
              }}
            >
              <option value="">Every status</option>
              {STATES.map((s) => (
                <option value={s} key={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <SendingState sending={page.data?.sending} />
      <ErrorNote error={page.error} />
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Recipients</caption>
          <thead>
            <tr>
              <th scope="col">Recipient</th>
              <th scope="col">Status</th>
              <th scope="col">Message</th>
              <th scope="col">Sent</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => (
              <tr key={m.id}>
                <td data-label="Recipient">{m.recipient}</td>
                <td data-label="Status">
                  <StatusBadge status={m.status} />
                </td>
                <td data-label="Message" class="message-text">
                  {m.message}
                </td>
                <td data-label="Sent">{formatTime(m.sent_at)}</td>
                <td data-label="Error">{m.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager
        label="Recipient pages"
        offset={offset}
        limit={PAGE}
        shown={rows.length}
        total={total}
        onChange={setOffset}
      />
    </section>
  );
}

/** Why a campaign is not sending right now (sender safety: caps, warm-up, pauses), if it is not. */
function SendingState({ sending }: { sending: CampaignStatus['sending'] | undefined }) {
  if (!sending || sending.state === 'ACTIVE') return null;
  return (
    <p class="notice" role="status">
      {sending.state === 'PAUSED' ? 'Sending is paused' : 'Sending waits'}
      {sending.reason ? `: ${sending.reason}` : ''}
      {sending.resumes_at ? `, until ${formatTime(sending.resumes_at)}` : ''}.
    </p>
  );
}
