import { useState } from 'preact/hooks';

/**
 * A button for something that cannot be undone: the first press asks, in place, and only
 * "Yes, …" acts. Keyboard users get the same two steps; focus moves to the question.
 */
export function ConfirmButton(props: { label: string; question: string; onConfirm(): void }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <fieldset class="confirm">
      <legend>{props.question}</legend>
      <button
        type="button"
        class="danger"
        ref={(b) => b?.focus()}
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        Yes, {props.label.toLowerCase()}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        No
      </button>
    </fieldset>
  );
}

/** Previous / next over a list that the API pages with limit and offset. */
export function Pager(props: {
  offset: number;
  limit: number;
  shown: number;
  total: number | null;
  label: string;
  onChange(offset: number): void;
}) {
  const { offset, limit, shown, total } = props;
  const hasNext = total === null ? shown === limit : offset + limit < total;
  const last = offset + shown;
  return (
    <nav class="pager" aria-label={props.label}>
      <button
        type="button"
        disabled={offset === 0}
        onClick={() => props.onChange(Math.max(0, offset - limit))}
      >
        Previous
      </button>
      <span aria-live="polite">
        {shown === 0
          ? 'Nothing here'
          : `${offset + 1}–${last}${total === null ? '' : ` of ${total}`}`}
      </span>
      <button type="button" disabled={!hasNext} onClick={() => props.onChange(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.toLowerCase()}`}>{status.replaceAll('_', ' ')}</span>;
}

export const formatTime = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
