// A table with a caption and column headers: the dashboard's lists (endpoints, variants, versions, events).

import type { ComponentChildren } from 'preact';

export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  /** Numbers align right. */
  numeric?: boolean;
}

export interface DataTableProps<T> {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  empty?: string;
}

export function DataTable<T>({ caption, columns, rows, rowKey, empty }: DataTableProps<T>) {
  return (
    <table class="data-table">
      <caption>{caption}</caption>
      <thead>
        <tr>{columns.map((c) => <th scope="col" class={c.numeric ? 'num' : undefined}>{c.header}</th>)}</tr>
      </thead>
      <tbody>
        {rows.length === 0
          ? <tr><td colSpan={columns.length} class="muted">{empty ?? 'Nothing yet.'}</td></tr>
          : rows.map((row) => (
            <tr key={rowKey(row)}>{columns.map((c) => <td class={c.numeric ? 'num' : undefined}>{c.cell(row)}</td>)}</tr>
          ))}
      </tbody>
    </table>
  );
}
