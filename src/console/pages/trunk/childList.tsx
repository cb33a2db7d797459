import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { errorText } from "../../api.js";
import { Button } from "../../ui/button.js";
import { Loading } from "../../ui/loading.js";
import { Notice } from "../../ui/notice.js";
import { Table, type Column } from "../../ui/table.js";
import { useLoad } from "../../ui/useLoad.js";

export const CHILD_PAGE = 50;

export interface ChildPage<T> {
  items: T[];
  prev: number | null;
  next: number | null;
}

/** `offset` of an Exotel list URI, or null. */
export function offsetOf(uri: string | null | undefined): number | null {
  if (!uri) return null;
  return Number(new URL(uri, "http://x").searchParams.get("offset") ?? 0);
}

/**
 * One of a trunk's collections (numbers, IPs, destinations): a page of it with a delete button
 * per row, paging, and the add form (given `reload`).
 */
export function ChildList<T>(props: {
  title: string;
  load: (offset: number) => Promise<ChildPage<T>>;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** The accessible name of a row's "Remove" button (it names the row). */
  removeLabel: (row: T) => string;
  remove: (row: T) => Promise<unknown>;
  add: (reload: () => void) => ComponentChildren;
}) {
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const list = useLoad(() => props.load(offset), [offset]);
  async function remove(row: T) {
    setError(null);
    setBusy(props.rowKey(row));
    try {
      await props.remove(row);
      list.reload();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  }
  const columns: Column<T>[] = [
    ...props.columns,
    {
      title: "Actions",
      cell: (row) => (
        <Button kind="danger" aria-label={props.removeLabel(row)} busy={busy === props.rowKey(row)} onClick={() => remove(row)}>
          Remove
        </Button>
      ),
    },
  ];
  return (
    <section class="panel" aria-label={props.title}>
      <h2>{props.title}</h2>
      {list.error && <Notice kind="error">{list.error}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {list.loading && !list.data ? <Loading /> : <Table captionHidden caption={props.title} columns={columns} rows={list.data?.items ?? []} rowKey={props.rowKey} />}
      {(list.data?.prev != null || list.data?.next != null) && (
        <div class="pager">
          <Button disabled={list.data?.prev == null} onClick={() => setOffset(list.data?.prev ?? 0)}>
            Previous
          </Button>
          <Button disabled={list.data?.next == null} onClick={() => setOffset(list.data?.next ?? 0)}>
            Next
          </Button>
        </div>
      )}
      {props.add(list.reload)}
    </section>
  );
}
