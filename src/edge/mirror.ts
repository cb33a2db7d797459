/** One htable row as the reloader last pushed it, with the scope (trunk or account) it belongs to. */
export interface MirrorRow {
  key: string;
  value: string;
  scope: string;
}

export interface HtableOps {
  sets: Array<[string, string]>;
  deletes: string[];
}

/**
 * What the edges' htable holds, as far as this process knows. Diffing the store's rows for a
 * scope against it yields the keys to set and, crucially, the keys to delete (a deleted row
 * is no longer in the store to say which key it had).
 */
export class HtableMirror {
  private readonly rows = new Map<string, MirrorRow>();
  private readonly byScope = new Map<string, Set<string>>();

  replaceAll(rows: MirrorRow[]): void {
    this.rows.clear();
    this.byScope.clear();
    for (const row of rows) this.put(row);
  }

  /** Replaces the rows of `scopes` by `fresh` (all rows of those scopes in the store now). */
  diff(scopes: Iterable<string>, fresh: MirrorRow[]): HtableOps {
    const ops: HtableOps = { sets: [], deletes: [] };
    const freshKeys = new Set(fresh.map((r) => r.key));
    for (const scope of scopes) {
      for (const key of this.byScope.get(scope) ?? []) {
        if (!freshKeys.has(key)) {
          ops.deletes.push(key);
          this.remove(key);
        }
      }
    }
    for (const row of fresh) {
      const had = this.rows.get(row.key);
      if (had?.value !== row.value) ops.sets.push([row.key, row.value]);
      if (had) this.remove(row.key);
      this.put(row);
    }
    return ops;
  }

  get size(): number {
    return this.rows.size;
  }

  private put(row: MirrorRow): void {
    this.rows.set(row.key, row);
    let keys = this.byScope.get(row.scope);
    if (!keys) this.byScope.set(row.scope, (keys = new Set()));
    keys.add(row.key);
  }

  private remove(key: string): void {
    const row = this.rows.get(key);
    if (!row) return;
    this.rows.delete(key);
    this.byScope.get(row.scope)?.delete(key);
  }
}
