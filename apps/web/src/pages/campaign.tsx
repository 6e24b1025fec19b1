import { useEffect, useState } from 'preact/hooks';
import type { CampaignListItem } from '../../generated/api-schema.ts';
import { api } from '../api/endpoints.ts';
import { followCampaign } from '../api/events.ts';
import type { Credentials } from '../api/http.ts';
import { ConfirmButton, formatTime, StatusBadge } from '../ui/controls.tsx';
import { ErrorNote } from '../ui/form.tsx';
import { describeError, useLoad } from '../ui/use-load.ts';
import { RecipientTable } from './recipients.tsx';

type Action = 'pause' | 'resume' | 'cancel' | 'retry';
const FINISHED = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED'];

/** One campaign: live counters from its event stream, its controls, and its recipients. */
export function CampaignPage({ who, id }: { who: Credentials; id: number }) {
  const first = useLoad(() => api.campaign(who, id, { limit: 1, offset: 0 }), [id]);
  const [live, setLive] = useState<CampaignListItem | null>(null);
  const [feedError, setFeedError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Bumped by every change the stream reports, so the recipients on screen follow.
  const [changes, setChanges] = useState(0);

  useEffect(
    () =>
      followCampaign(who, id, {
        progress: setLive,
        message: () => setChanges((n) => n + 1),
        end: (campaign) => {
          setLive(campaign);
          setChanges((n) => n + 1);
        },
        error: setFeedError,
      }),
    [who, id],
  );

  const campaign = live ?? first.data;
  if (first.error && !campaign) return <ErrorNote error={first.error} />;
  if (!campaign) return <p>Loading campaign #{id}…</p>;

  const act = async (action: Action) => {
    setBusy(true);
    setActionError(null);
    try {
      await api.control(who, id, action);
      first.reload();
      setChanges((n) => n + 1);
    } catch (e) {
      setActionError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const finished = FINISHED.includes(campaign.status);
  const settled = campaign.sent_messages + campaign.failed_messages + campaign.unknown_messages;
  return (
    <section aria-labelledby="campaign-title">
      <h1 id="campaign-title">
        Campaign #{campaign.id} <StatusBadge status={campaign.status} />
      </h1>
      <p class="muted">
        From {campaign.sender_number} · created {formatTime(campaign.created_at)}
        {campaign.send_at ? ` · scheduled for ${formatTime(campaign.send_at)}` : ''}
      </p>
      <blockquote class="template">{campaign.template}</blockquote>
      <label for="campaign-progress">Progress: {Math.round(campaign.progress)}%</label>
      <progress id="campaign-progress" max={100} value={campaign.progress} />
      <dl class="counters" aria-live="polite">
        <Counter label="Recipients" value={campaign.total_messages} />
        <Counter label="Waiting" value={campaign.pending_messages + campaign.sending_messages} />
        <Counter label="Sent" value={campaign.sent_messages} />
        <Counter label="Failed" value={campaign.failed_messages} />
        <Counter label="Unknown" value={campaign.unknown_messages} />
        <Counter label="Suppressed" value={campaign.suppressed_messages} />
        <Counter label="Cancelled" value={campaign.cancelled_messages} />
        <Counter label="Settled" value={settled} />
      </dl>
      <fieldset class="actions">
        <legend class="visually-hidden">Campaign controls</legend>
        {['PENDING', 'IN_PROGRESS', 'SCHEDULED'].includes(campaign.status) && (
          <button type="button" disabled={busy} onClick={() => act('pause')}>
            Pause
          </button>
        )}
        {campaign.status === 'PAUSED' && (
          <button type="button" disabled={busy} onClick={() => act('resume')}>
            Resume
          </button>
        )}
        {!finished && (
          <ConfirmButton
            label="Cancel"
            question="Cancel every message not sent yet?"
            onConfirm={() => act('cancel')}
          />
        )}
        {finished && campaign.failed_messages + campaign.unknown_messages > 0 && (
          <button type="button" disabled={busy} onClick={() => act('retry')}>
            Retry failed
          </button>
        )}
      </fieldset>
      <ErrorNote error={actionError} />
      <ErrorNote error={feedError && `Live progress stopped: ${feedError}`} />
      <RecipientTable who={who} id={id} changes={changes} />
    </section>
  );
}

function Counter({ label, value }: { label: string; value: number }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-counter={label.toLowerCase()}>{value}</dd>
    </div>
  );
}
