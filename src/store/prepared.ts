import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from "kysely";
import type { Executor } from "./executor.js";
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
 */
export function prepared<O>(build: (db: Executor, $: <T>(i: number) => T) => Compilable<O>): (db: Executor, ...args: unknown[]) => Promise<O[]> {
  const slots = <T,>(i: number) => ({ [SLOT]: i }) as unknown as T;
  const compiled = new WeakMap<Kysely<Database>, CompiledQuery<O>>();
  return async (db, ...args) => {
    if (db.isTransaction) return (await db.executeQuery(build(db, <T,>(i: number) => args[i] as T))).rows;
    let q = compiled.get(db);
    if (!q) {
      q = build(db, slots).compile();
      compiled.set(db, q);
    }
    const parameters = q.parameters.map((p) => (isSlot(p) ? args[p[SLOT]] : p));
    return (await db.executeQuery<O>({ ...q, parameters, queryId: createQueryId() })).rows;
  };
}
