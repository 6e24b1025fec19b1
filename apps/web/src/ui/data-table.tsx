import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from './use-load.ts';

/**
 * A dashboard list: a scrolling table with a caption for screen readers and one header a column;
 * `actions` adds a last column for row buttons, its header read but not shown. Each cell carries
 * its column's name as `data-label`, which narrow screens show beside the value.
 */
export function DataTable(props: {
  caption: string;
  columns: readonly string[];
  actions?: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
            {props.actions && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/**
 * Runs a row's action, then reloads the list; a failure is kept as `error`, prefixed with the
 * row it was about, until the next action succeeds.
 */
export function useRowAction(reload: () => void) {
  const [error, setError] = useState<string | null>(null);
  const run = async (what: () => Promise<unknown>, row: string) => {
    try {
      await what();
      setError(null);
      reload();
    } catch (e) {
      setError(`${row}: ${describeError(e)}`);
    }
  };
  return { error, run };
}
