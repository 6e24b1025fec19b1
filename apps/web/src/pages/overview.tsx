import { useEffect } from 'preact/hooks';
import { api } from '../api/endpoints.ts';
import type { Credentials } from '../api/http.ts';
import { ErrorNote } from '../ui/form.tsx';
import { ThroughputChart } from '../ui/throughput-chart.tsx';
import { useLoad } from '../ui/use-load.ts';

const REFRESH_MS = 10_000;

/** The fleet at a glance: sessions by status, today's sends, the queue, workers, the last hour. */
export function Overview({ who }: { who: Credentials }) {
  const metrics = useLoad(() => api.metrics(who), []);
  const sessions = useLoad(() => api.adminSessions(who), []);
  const throughput = useLoad(() => api.throughput(who), []);
  useEffect(() => {
    const timer = setInterval(() => {
      metrics.reload();
      sessions.reload();
      throughput.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const m = metrics.data;
  const byStatus = new Map<string, number>();
  for (const s of sessions.data ?? []) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <ErrorNote error={metrics.error ?? sessions.error ?? throughput.error} />
      {m && (
        <dl class="tiles">
          <div>
            <dt>Messages sent today</dt>
            <dd>{m.messages_sent_today}</dd>
          </div>
          <div>
            <dt>Queue</dt>
            <dd>{m.current_queue_size}</dd>
          </div>
          <div>
            <dt>Workers healthy</dt>
            <dd>
              {m.workers_healthy}/{m.workers_total}
            </dd>
          </div>
          <div>
            <dt>Campaigns in progress</dt>
            <dd>{m.campaigns_in_progress}</dd>
          </div>
        </dl>
      )}
      <h2>Sessions by status</h2>
      {byStatus.size === 0 ? (
        <p>No session yet.</p>
      ) : (
        <ul class="inline-list">
          {[...byStatus].map(([status, count]) => (
            <li key={status}>
              {status.replaceAll('_', ' ')}: <strong>{count}</strong>
            </li>
          ))}
        </ul>
      )}
      <h2>Messages per minute, last hour</h2>
      {throughput.data && <ThroughputChart minutes={throughput.data.minutes} />}
    </section>
  );
}
