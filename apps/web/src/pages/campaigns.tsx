import { useState } from 'preact/hooks';
import { api, type CampaignFilters, type CampaignState } from '../api/endpoints.ts';
import type { Credentials } from '../api/http.ts';
import { formatTime, Pager, StatusBadge } from '../ui/controls.tsx';
import { ErrorNote, Field } from '../ui/form.tsx';
import { useLoad } from '../ui/use-load.ts';

const STATES: CampaignState[] = [
  'PENDING',
  'SCHEDULED',
  'IN_PROGRESS',
  'PAUSED',
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'CANCELLED',
];
const PAGE = 20;

/** Campaigns with filters and paging: every sender's for the admin, one's own for a sender. */
export function CampaignList({ who }: { who: Credentials }) {
  const [filters, setFilters] = useState<CampaignFilters>({ limit: PAGE, offset: 0 });
  const [draft, setDraft] = useState({ sender: '', status: '', from: '', to: '' });
  const [dateError, setDateError] = useState<string>();
  const list = useLoad(() => api.campaigns(who, filters), [filters]);

  const apply = (event: Event) => {
    event.preventDefault();
    if (draft.from && draft.to && draft.from > draft.to) {
      return setDateError('The "to" date is before the "from" date');
    }
    setDateError(undefined);
    setFilters({
      limit: PAGE,
      offset: 0,
      ...(draft.sender ? { sender_number: draft.sender } : {}),
      ...(draft.status ? { status: draft.status as CampaignState } : {}),
      ...(draft.from ? { start_date: draft.from } : {}),
      ...(draft.to ? { end_date: draft.to } : {}),
    });
  };
  const campaigns = list.data?.campaigns ?? [];
  return (
    <section aria-labelledby="campaigns-title">
      <h1 id="campaigns-title">{who.kind === 'admin' ? 'Campaigns' : 'My campaigns'}</h1>
      <form class="filters" onSubmit={apply} noValidate>
        {who.kind === 'admin' && (
          <Field label="Sender">
            {(a) => (
              <input
                {...a}
                value={draft.sender}
                onInput={(e) => setDraft({ ...draft, sender: e.currentTarget.value })}
              />
            )}
          </Field>
        )}
        <Field label="Status">
          {(a) => (
            <select
              {...a}
              value={draft.status}
              onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}
            >
              <option value="">Any</option>
              {STATES.map((s) => (
                <option value={s} key={s}>
                  {s.replaceAll('_', ' ')}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="From">
          {(a) => (
            <input
              {...a}
              type="date"
              value={draft.from}
              onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field label="To" error={dateError}>
          {(a) => (
            <input
              {...a}
              type="date"
              value={draft.to}
              onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })}
            />
          )}
        </Field>
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={list.error} />
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Campaigns</caption>
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col">Sender</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {campaigns.map((c) => (
              <tr key={c.id}>
                <td data-label="Campaign">
                  <a href={`#/campaigns/${c.id}`}>#{c.id}</a>
                </td>
                <td data-label="Sender">{c.sender_number}</td>
                <td data-label="Status">
                  <StatusBadge status={c.status} />
                </td>
                <td data-label="Progress">
                  {c.sent_messages}/{c.total_messages} sent
                </td>
                <td data-label="Created">{formatTime(c.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!list.loading && campaigns.length === 0 && !list.error && <p>No campaign matches.</p>}
      <Pager
        label="Campaign pages"
        offset={filters.offset}
        limit={PAGE}
        shown={campaigns.length}
        total={list.data?.total ?? null}
        onChange={(offset) => setFilters({ ...filters, offset })}
      />
    </section>
  );
}
