import { createHash } from "node:crypto";
import { createQueryId, type Compilable, type CompiledQuery } from "kysely";
import { isPostgres } from "./aggregate.js";
import type { Executor } from "./executor.js";
import { statementTag } from "./pgNamed.js";

const SLOT = Symbol("trunkline.slot");
interface Slot {
  readonly [SLOT]: number;
}

function isSlot(value: unknown): value is Slot {
  return typeof value === "object" && value !== null && SLOT in value;
}

/**
 * A fixed-shape query, built and compiled once per database and then run with new parameters.
 *
 * Building and compiling a Kysely query costs more than SQLite takes to run it (profiled: ~25 µs
 * of a ~45 µs trunk lookup), and the hot per-request lookups never change shape. `build` receives
 * placeholders `$(0)`, `$(1)`, ... standing for the arguments, which must be used as plain values
 * (compared, limited, offset, inserted — not computed with).
 *
 * The compiled text depends only on the SQL dialect, so it is kept per dialect: a transaction (a
 * Kysely instance of its own) reuses it too. On PostgreSQL the text run outside a transaction is
 * tagged with a statement name derived from it, so each pool connection parses and plans it once
 * (pgNamed.ts); inside a transaction it stays unnamed (see pgNamed.ts for why). The SQLite driver
 * caches statements by text.
 */
export function prepared<O>(build: (db: Executor, $: <T>(i: number) => T) => Compilable<O>): (db: Executor, ...args: unknown[]) => Promise<O[]> {
  const slots = <T,>(i: number) => ({ [SLOT]: i }) as unknown as T;
  const compiled = new Map<string, CompiledQuery<O>>();
  return async (db, ...args) => {
    const pg = isPostgres(db);
    const named = pg && !db.isTransaction;
    const key = named ? "named" : pg ? "postgres" : "sqlite";
    let q = compiled.get(key);
    if (!q) {
      q = build(db, slots).compile();
      if (named) q = { ...q, sql: `${statementTag(statementName(q.sql))}${q.sql}` };
      compiled.set(key, q);
    }
    const parameters = q.parameters.map((p) => (isSlot(p) ? args[p[SLOT]] : p));
    return (await db.executeQuery<O>({ ...q, parameters, queryId: createQueryId() })).rows;
  };
}

/** Short and stable: the same text always gets the same name (PostgreSQL allows 63 bytes). */
export function statementName(text: string): string {
  return `tl_${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}
