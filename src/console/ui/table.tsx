import type { ComponentChildren } from "preact";

export interface Column<T> {
  title: string;
  cell: (row: T) => ComponentChildren;
  /** Right-aligned numbers. */
  numeric?: boolean;
}

/**
 * A data table with a caption (its accessible name). On narrow screens each row becomes a card
 * whose cells carry their column title (data-label, drawn by CSS).
 */
export function Table<T>({ caption, columns, rows, rowKey, empty = "Nothing here yet.", captionHidden = false }: {
  caption: string;
  /** The caption only names the table for screen readers (a heading above already shows it). */
  captionHidden?: boolean;
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  empty?: string;
}) {
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class={captionHidden ? "sr-only" : undefined}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.title} class={c.numeric ? "num" : undefined}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} class="empty">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={rowKey(r)}>
                {columns.map((c) => (
                  <td key={c.title} data-label={c.title} class={c.numeric ? "num" : undefined}>
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
