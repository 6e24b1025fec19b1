import { useState } from 'preact/hooks';
import { api } from '../api/endpoints.ts';
import { ApiError, type Credentials } from '../api/http.ts';
import { ConfirmButton, formatTime, Pager } from '../ui/controls.tsx';
import { DataTable } from '../ui/data-table.tsx';
import { ErrorNote, Field, type Problems } from '../ui/form.tsx';
import { describeError, useLoad } from '../ui/use-load.ts';

const PAGE = 20;

/** Numbers that receive nothing (for everyone, or from one sender): list, add, remove. */
export function Suppressions({ who }: { who: Credentials }) {
  const [offset, setOffset] = useState(0);
  const list = useLoad(() => api.suppressions(who, { limit: PAGE, offset }), [offset]);
  const [v, setV] = useState({ recipient: '', sender: '' });
  const [problems, setProblems] = useState<Problems>({});

  const add = async (event: Event) => {
    event.preventDefault();
    if (!v.recipient.trim())
      return setProblems({ recipient: 'Enter the number that must receive nothing' });
    try {
      await api.addSuppression(who, v.recipient.trim(), v.sender.trim() || null);
      setProblems({});
      setV({ recipient: '', sender: '' });
      list.reload();
    } catch (e) {
      setProblems(
        e instanceof ApiError && e.fields.length
          ? { recipient: e.about('recipient'), sender: e.about('sender_number') }
          : { form: describeError(e) },
      );
    }
  };
  const remove = async (recipient: string, sender: string | null) => {
    try {
      await api.removeSuppression(who, recipient, sender);
      list.reload();
    } catch (e) {
      setProblems({ form: `${recipient}: ${describeError(e)}` });
    }
  };
  const rows = list.data?.suppressions ?? [];
  return (
    <section class="card wide" aria-labelledby="suppressions-title">
      <h2 id="suppressions-title">Suppressions</h2>
      <form class="row" onSubmit={add} noValidate>
        <Field label="Recipient to suppress" error={problems.recipient}>
          {(a) => (
            <input
              {...a}
              type="tel"
              value={v.recipient}
              onInput={(e) => setV({ ...v, recipient: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field label="Only from sender" hint="Empty: from every sender" error={problems.sender}>
          {(a) => (
            <input
              {...a}
              type="tel"
              value={v.sender}
              onInput={(e) => setV({ ...v, sender: e.currentTarget.value })}
            />
          )}
        </Field>
        <button type="submit">Add suppression</button>
      </form>
      <ErrorNote error={list.error ?? problems.form} />
      <DataTable
        caption="Suppressions"
        columns={['Recipient', 'Sender', 'Source', 'Since']}
        actions
      >
        {rows.map((s) => (
          <tr key={s.id}>
            <td data-label="Recipient">{s.recipient}</td>
            <td data-label="Sender">{s.sender_number ?? 'every sender'}</td>
            <td data-label="Source">
              {s.source === 'OPT_OUT' ? `replied ${s.keyword ?? 'STOP'}` : 'admin'}
            </td>
            <td data-label="Since">{formatTime(s.created_at)}</td>
            <td data-label="Actions">
              <ConfirmButton
                label="Remove"
                question={`Let ${s.recipient} receive messages again?`}
                onConfirm={() => remove(s.recipient, s.sender_number)}
              />
            </td>
          </tr>
        ))}
      </DataTable>
      <Pager
        label="Suppression pages"
        offset={offset}
        limit={PAGE}
        shown={rows.length}
        total={list.data?.total ?? null}
        onChange={setOffset}
      />
    </section>
  );
}
