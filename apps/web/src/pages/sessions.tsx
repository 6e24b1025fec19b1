import { api } from '../api/endpoints.ts';
import type { Credentials } from '../api/http.ts';
import { ConfirmButton, formatTime, StatusBadge } from '../ui/controls.tsx';
import { DataTable, useRowAction } from '../ui/data-table.tsx';
import { ErrorNote } from '../ui/form.tsx';
import { useLoad } from '../ui/use-load.ts';

const WARN_MS = 48 * 3600_000;

/** Every number with its status, worker, last activity and expiry; expiring within 48 h stand out. */
export function Sessions({ who }: { who: Credentials }) {
  const sessions = useLoad(() => api.adminSessions(who), []);
  const action = useRowAction(sessions.reload);
  const now = Date.now();
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <ErrorNote error={sessions.error ?? action.error} />
      <DataTable
        caption="Sessions"
        columns={['Number', 'Status', 'Worker', 'Last activity', 'Expires']}
        actions
      >
        {(sessions.data ?? []).map((s) => {
          const expiresSoon =
            s.expiry_warning ||
            (s.expires_at !== null && new Date(s.expires_at).getTime() - now < WARN_MS);
          return (
            <tr key={s.phone_number} class={expiresSoon ? 'warning' : undefined}>
              <td data-label="Number">{s.phone_number}</td>
              <td data-label="Status">
                <StatusBadge status={s.status} />
              </td>
              <td data-label="Worker">
                {s.worker_name ?? (s.worker_id === null ? '—' : `#${s.worker_id}`)}
              </td>
              <td data-label="Last activity">{formatTime(s.last_active)}</td>
              <td data-label="Expires">
                {formatTime(s.expires_at)}
                {expiresSoon && <strong class="warn-text"> expires within 48 h</strong>}
              </td>
              <td data-label="Actions">
                <ConfirmButton
                  label="Delete"
                  question={`Delete the session of ${s.phone_number}?`}
                  onConfirm={() =>
                    action.run(() => api.deleteSession(who, s.phone_number), s.phone_number)
                  }
                />
              </td>
            </tr>
          );
        })}
      </DataTable>
      {sessions.data?.length === 0 && <p>No session yet.</p>}
    </section>
  );
}
