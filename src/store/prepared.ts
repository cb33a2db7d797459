import { createHash } from "node:crypto";
import { createQueryId, type Compilable, type CompiledQuery } from "kysely";
import { isPostgres } from "./aggregate.js";
import { queryLabel, type Executor } from "./executor.js";
import { NamedStatement, namedStatementsOf } from "./pgNamed.js";

const SLOT = Symbol("trunkline.slot");
interface Slot {
  readonly [SLOT]: number;
}

function isSlot(value: unknown): value is Slot {
  return typeof value === "object" && value !== null && SLOT in value;
}

/** A compiled query and, per parameter, the argument it stands for (-1: a constant of the query). */
interface Compiled<O> {
  query: CompiledQuery<O>;
  args: number[];
  /** PostgreSQL outside a transaction: the named statement it runs as (pgNamed.ts). */
  named?: NamedStatement;
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
 * Kysely instance of its own) reuses it too. On PostgreSQL outside a transaction the text is
 * tagged with a statement name derived from it and run as that named statement straight on the
 * store's pool, so each pool connection parses and plans it once (pgNamed.ts); inside a
 * transaction it stays unnamed and goes through Kysely (see pgNamed.ts for why). A Kysely
 * instance with plugins of its own (the tests' query counter) runs the tagged text through
 * Kysely too, unnamed. The SQLite driver caches statements by text.
 */
export function prepared<O>(build: (db: Executor, $: <T>(i: number) => T) => Compilable<O>): (db: Executor, ...args: unknown[]) => Promise<O[]> {
  const slots = <T,>(i: number) => ({ [SLOT]: i }) as unknown as T;
  const compiled = new Map<string, Compiled<O>>();
  const compile = (db: Executor, key: string, tagged: boolean): Compiled<O> => {
    let query = build(db, slots).compile();
    let named: NamedStatement | undefined;
    if (tagged) {
      const name = statementName(query.sql);
      query = { ...query, sql: `${statementTag(name)}${query.sql}` };
      named = new NamedStatement(name, query.sql, queryLabel(query.query));
    }
    const c: Compiled<O> = { query, args: query.parameters.map((p) => (isSlot(p) ? p[SLOT] : -1)), named };
    compiled.set(key, c);
    return c;
  };
  return async (db, ...args) => {
    const statements = namedStatementsOf(db);
    const pg = statements !== undefined || isPostgres(db);
    const tagged = pg && !db.isTransaction;
    const key = tagged ? "named" : pg ? "postgres" : "sqlite";
    const c = compiled.get(key) ?? compile(db, key, tagged);
    const parameters = c.query.parameters.map((p, i) => (c.args[i] === -1 ? p : args[c.args[i] as number]));
    if (statements && c.named) {
      try {
        return (await statements.run(c.named, parameters)) as O[];
      } catch (error) {
        // pg's error carries the socket's stack; give it the caller's, as Kysely does.
        if (error instanceof Error) Error.captureStackTrace(error);
        throw error;
      }
    }
    return (await db.executeQuery<O>({ ...c.query, parameters, queryId: createQueryId() })).rows;
  };
}

/** Short and stable: the same text always gets the same name (PostgreSQL allows 63 bytes). */
export function statementName(text: string): string {
  return `tl_${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

/** The name in a leading comment: the statement is recognisable in pg_stat_activity, logs and plans (bench/lib/plans.ts). */
function statementTag(name: string): string {
  return `/* tl:${name} */ `;
}
