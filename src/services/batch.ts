import { DomainError } from "../domain/errors.js";

/** One item of a batch write: the stored entity, or why this item (alone) failed. */
export type ItemResult<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** Runs each item on its own so one bad item doesn't undo the good ones (Exotel 207 semantics). */
export async function eachItem<I, T>(items: I[], run: (item: I) => Promise<T>): Promise<ItemResult<T>[]> {
  const out: ItemResult<T>[] = [];
  for (const item of items) {
    try {
      out.push({ ok: true, value: await run(item) });
    } catch (error) {
      if (error instanceof DomainError) out.push({ ok: false, error });
      else throw error;
    }
  }
  return out;
}
