import { useState } from 'preact/hooks';
import type { Worker } from '../../generated/api-schema.ts';
import { api } from '../api/endpoints.ts';
import type { Credentials } from '../api/http.ts';
import { ConfirmButton, formatTime } from '../ui/controls.tsx';
import { DataTable, useRowAction } from '../ui/data-table.tsx';
import { ErrorNote } from '../ui/form.tsx';
import { useLoad } from '../ui/use-load.ts';
import { WorkerForm, type WorkerFormValues } from './worker-form.tsx';

/** The WAHA fleet: health, tier, load and last error; add, edit, disable, remove. */
export function Workers({ who }: { who: Credentials }) {
  const workers = useLoad(() => api.workers(who), []);
  const [editing, setEditing] = useState<number | null>(null);
  const { error, run } = useRowAction(workers.reload);
  const add = async (values: WorkerFormValues) => {
    await api.addWorker(who, values);
    workers.reload();
  };
  const save = (worker: Worker) => async (values: WorkerFormValues) => {
    const { api_key, ...rest } = values;
    await api.updateWorker(who, worker.id, api_key ? values : rest);
    setEditing(null);
    workers.reload();
  };
  return (
    <section aria-labelledby="workers-title">
      <h1 id="workers-title">Workers</h1>
      <ErrorNote error={workers.error ?? error} />
      <DataTable
        caption="Workers"
        columns={['Name', 'Health', 'Tier', 'Load', 'Last error']}
        actions
      >
        {(workers.data ?? []).map((w) => (
          <tr key={w.id}>
            <td data-label="Name">
              {w.name}
              <br />
              <small class="muted">{w.url}</small>
            </td>
            <td data-label="Health">
              {healthOf(w)}
              {w.degraded_until && !w.healthy && (
                // Held by its circuit breaker (timeouts, resets): probed again after this.
                <small class="muted"> until {formatTime(w.degraded_until)}</small>
              )}
              <br />
              <small class="muted">seen {formatTime(w.last_seen)}</small>
            </td>
            <td data-label="Tier">{w.tier ?? '—'}</td>
            <td data-label="Load">
              {w.sessions} / {w.effective_capacity}
              {w.capacity !== w.effective_capacity && (
                // WAHA Core holds one session whatever the capacity says.
                <small class="muted"> (capacity set to {w.capacity})</small>
              )}
            </td>
            <td data-label="Last error">{w.last_error ?? ''}</td>
            <td data-label="Actions">
              <div class="row-actions">
                <button
                  type="button"
                  onClick={() => setEditing(editing === w.id ? null : w.id)}
                  aria-expanded={editing === w.id}
                >
                  Edit
                </button>
                <button
                  type="button"
                  onClick={() =>
                    run(() => api.updateWorker(who, w.id, { enabled: !w.enabled }), w.name)
                  }
                >
                  {w.enabled ? 'Disable' : 'Enable'}
                </button>
                <ConfirmButton
                  label="Remove"
                  question={`Remove ${w.name}? Its sessions end.`}
                  onConfirm={() => run(() => api.removeWorker(who, w.id), w.name)}
                />
              </div>
            </td>
          </tr>
        ))}
      </DataTable>
      {workers.data?.length === 0 && <p>No worker yet: add one below.</p>}
      {(workers.data ?? [])
        .filter((w) => w.id === editing)
        .map((w) => (
          <WorkerForm
            key={w.id}
            title={`Edit ${w.name}`}
            initial={w}
            submitLabel="Save worker"
            onSubmit={save(w)}
          />
        ))}
      <WorkerForm title="Add a worker" submitLabel="Add worker" onSubmit={add} resetAfter />
    </section>
  );
}

function healthOf(w: Worker): string {
  if (!w.enabled) return 'disabled';
  if (w.healthy) return 'healthy';
  return w.degraded_until ? 'degraded' : 'unhealthy';
}
