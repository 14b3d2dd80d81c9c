/**
 * A data table with sortable column headers and optional row selection.
 *
 * Sorting is by a sort string as the API takes it: `name` ascending, `-pushed` descending.
 * Controlled (`sort` + `onSort`: the server sorts, e.g. kept in the URL with useQuery) or, with
 * neither given, sorted here in the browser by each column's `value`.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export interface Column<T> {
  /** Also the sort key sent as `sort=` (prefixed with `-` for descending). */
  key: string;
  header: ComponentChildren;
  render: (row: T) => ComponentChildren;
  /** Makes the header a sort button. */
  sortable?: boolean;
  /** The first click sorts descending (sizes, dates: biggest or newest first). */
  descendingFirst?: boolean;
  /** For sorting in the browser (uncontrolled tables). */
  value?: (row: T) => string | number | null;
  /** Numbers align to the end. */
  numeric?: boolean;
  className?: string;
}

export interface TableProps<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  /** Read by screen readers; say what the rows are ("Tags of team/app"). */
  caption: string;
  /** Show the caption on screen too (hidden visually otherwise). */
  showCaption?: boolean;
  sort?: string;
  onSort?: (sort: string) => void;
  /** Row selection (checkbox column) when given. */
  selected?: ReadonlySet<string>;
  onSelect?: (selected: Set<string>) => void;
  /** Shown instead of the table when there are no rows. */
  empty?: ComponentChildren;
}

function compareValues(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

export function Table<T>({ columns, rows, rowKey, caption, showCaption, sort, onSort, selected, onSelect, empty }: TableProps<T>) {
  const [localSort, setLocalSort] = useState<string | undefined>(undefined);
  const controlled = onSort !== undefined;
  const current = controlled ? sort : localSort;
  const descending = current?.startsWith('-') ?? false;
  const sortKey = current?.replace(/^-/, '');

  let shown = rows;
  if (!controlled && sortKey) {
    const column = columns.find((c) => c.key === sortKey);
    if (column?.value) {
      const value = column.value;
      shown = [...rows].sort((a, b) => compareValues(value(a), value(b)) * (descending ? -1 : 1));
    }
  }

  if (rows.length === 0 && empty) return <>{empty}</>;

  const choose = (column: Column<T>) => {
    const next = sortKey === column.key ? (descending ? column.key : `-${column.key}`) : column.descendingFirst ? `-${column.key}` : column.key;
    if (controlled) onSort(next);
    else setLocalSort(next);
  };

  const selectable = selected !== undefined && onSelect !== undefined;
  const allSelected = selectable && rows.length > 0 && rows.every((row) => selected.has(rowKey(row)));
  const toggle = (key: string) => {
    const next = new Set(selected);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    onSelect!(next);
  };

  return (
    <div class="table-wrap">
      <table class="table">
        <caption class={showCaption ? 'table-caption' : 'visually-hidden'}>{caption}</caption>
        <thead>
          <tr>
            {selectable ? (
              <th scope="col" class="table-select">
                <input
                  type="checkbox"
                  aria-label="Select all rows"
                  checked={allSelected}
                  onChange={() => onSelect!(allSelected ? new Set() : new Set(rows.map(rowKey)))}
                />
              </th>
            ) : null}
            {columns.map((column) => {
              const active = sortKey === column.key;
              const ariaSort = active ? (descending ? 'descending' : 'ascending') : column.sortable ? 'none' : undefined;
              return (
                <th key={column.key} scope="col" aria-sort={ariaSort} class={`${column.numeric ? 'numeric ' : ''}${column.className ?? ''}`}>
                  {column.sortable ? (
                    <button type="button" class="sort-button" onClick={() => choose(column)}>
                      {column.header}
                      <span class="sort-indicator" aria-hidden="true">
                        {active ? (descending ? '▼' : '▲') : '↕'}
                      </span>
                    </button>
                  ) : (
                    column.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => {
            const key = rowKey(row);
            return (
              <tr key={key} class={selectable && selected.has(key) ? 'selected' : undefined}>
                {selectable ? (
                  <td class="table-select">
                    <input type="checkbox" aria-label={`Select ${key}`} checked={selected.has(key)} onChange={() => toggle(key)} />
                  </td>
                ) : null}
                {columns.map((column) => (
                  <td key={column.key} class={`${column.numeric ? 'numeric ' : ''}${column.className ?? ''}`}>
                    {column.render(row)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
