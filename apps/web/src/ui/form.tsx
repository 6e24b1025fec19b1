import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/** A labelled control with its hint and, when there is one, the problem with it (announced). */
export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (attrs: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby'?: string;
  }) => ComponentChildren;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const described = [props.hint ? hintId : '', props.error ? errorId : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.children({
        id,
        'aria-invalid': Boolean(props.error),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {props.hint && (
        <small id={hintId} class="hint">
          {props.hint}
        </small>
      )}
      {props.error && (
        <p id={errorId} class="field-error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** A field for a whole number of at least 0 (seconds, counts), its text kept as typed. */
export function WholeNumberField(props: {
  label: string;
  hint?: string;
  error?: string | undefined;
  value: string;
  onInput: (text: string) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error}>
      {(a) => (
        <input
          {...a}
          type="number"
          min={0}
          value={props.value}
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** A problem that belongs to a whole form or page rather than to one field. */
export function ErrorNote({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p class="error-note" role="alert">
      {error}
    </p>
  );
}

/** Field problems of a form, keyed by field name; `form` is for the rest. */
export type Problems = Record<string, string | undefined>;
