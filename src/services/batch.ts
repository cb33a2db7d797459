import { DomainError } from "../domain/errors.js";

/** One item of a batch write: the stored entity, or why this item (alone) failed. */
export type ItemResult<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/**
 * Runs each item on its own so one bad item doesn't undo the good ones (Exotel 207 semantics).
 * `onStored` runs once when any item was stored — also when a later item fails unexpectedly, so
 * what was stored is never kept from the edges.
 */
export async function eachItem<I, T>(items: I[], run: (item: I) => Promise<T>, onStored?: () => void): Promise<ItemResult<T>[]> {
  const out: ItemResult<T>[] = [];
  try {
    for (const item of items) {
      try {
        out.push({ ok: true, value: await run(item) });
      } catch (error) {
        if (error instanceof DomainError) out.push({ ok: false, error });
        else throw error;
      }
    }
  } finally {
    if (onStored && out.some((r) => r.ok)) onStored();
  }
  return out;
}
