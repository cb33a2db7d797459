import { createHash } from "node:crypto";
import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from "kysely";
import { isPostgres } from "./aggregate.js";
import type { Executor } from "./executor.js";
import { statementTag } from "./pgNamed.js";
import type { Database } from "./schema.js";

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
 * (compared, limited, offset — not computed with). Queries inside a transaction are built the
 * ordinary way (writes are not the hot path).
 *
 * On PostgreSQL the compiled text is tagged with a statement name derived from it, so each pool
 * connection parses and plans it once (pgNamed.ts); the SQLite driver caches statements by text.
 */
export function prepared<O>(build: (db: Executor, $: <T>(i: number) => T) => Compilable<O>): (db: Executor, ...args: unknown[]) => Promise<O[]> {
  const slots = <T,>(i: number) => ({ [SLOT]: i }) as unknown as T;
  const compiled = new WeakMap<Kysely<Database>, CompiledQuery<O>>();
  return async (db, ...args) => {
    if (db.isTransaction) return (await db.executeQuery(build(db, <T,>(i: number) => args[i] as T))).rows;
    let q = compiled.get(db);
    if (!q) {
      q = build(db, slots).compile();
      if (isPostgres(db)) q = { ...q, sql: `${statementTag(statementName(q.sql))}${q.sql}` };
      compiled.set(db, q);
    }
    const parameters = q.parameters.map((p) => (isSlot(p) ? args[p[SLOT]] : p));
    return (await db.executeQuery<O>({ ...q, parameters, queryId: createQueryId() })).rows;
  };
}

/** Short and stable: the same text always gets the same name (PostgreSQL allows 63 bytes). */
export function statementName(text: string): string {
  return `tl_${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}
