import type { PostgresPool, PostgresPoolClient } from "kysely";
import type pg from "pg";

/**
 * PostgreSQL named prepared statements for the hot queries.
 *
 * Kysely sends every query unnamed, so PostgreSQL parses and plans it afresh each time: about
 * half of a ~400 µs round trip for the trunk lookup here (measured: 402 → 194 µs named). A query
 * compiled once by prepared.ts carries a name in a leading comment (`statementTag`); on each pool
 * connection it is parsed once and then only bound and executed. Every other query (writes,
 * transactions, anything built per request) stays unnamed.
 *
 * The two known risks:
 * - Generic plans: after five executions PostgreSQL may reuse a plan made without the parameter
 *   values. The named queries are all bounded by their index whatever the values (account or
 *   trunk as a one-value range, order by the index's columns); their generic plans are checked at
 *   1M rows (bench/lib/plans.ts, `generic: true`) and in test/scale/preparedPlans.test.ts.
 * - `cached plan must not change result type`: a migration that adds a column to a table a
 *   `select *` statement reads makes the statement unusable on every connection that prepared it.
 *   On that error the statement is given a new name (a generation suffix) and the query retried
 *   once, so the new name is parsed against the new table. Named queries never run inside a
 *   transaction (prepared.ts builds those afresh), so the retry cannot meet an aborted one. The
 *   old statement stays on its connection until the pool closes it (one per migration at most).
 */
const TAG = /^\/\* tl:([a-z0-9_]+) \*\/ /;

export function statementTag(name: string): string {
  return `/* tl:${name} */ `;
}

const generation = new Map<string, number>();
let reprepared = 0;

/** How many times a stale named statement was re-prepared in this process (tests, diagnostics). */
export function repreparedStatements(): number {
  return reprepared;
}

function isStaleResultType(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === "0A000" && typeof e.message === "string" && e.message.includes("cached plan must not change result type");
}

async function runNamed(client: pg.PoolClient, base: string, text: string, values: readonly unknown[] | undefined) {
  const run = () => client.query({ name: `${base}_${generation.get(base) ?? 0}`, text, values: values as unknown[] });
  try {
    return await run();
  } catch (error) {
    if (!isStaleResultType(error)) throw error;
    reprepared++;
    generation.set(base, (generation.get(base) ?? 0) + 1);
    return run();
  }
}

function wrapClient(client: pg.PoolClient): PostgresPoolClient {
  // Not async: a cursor (Kysely's stream) is returned as it is, not in a promise.
  const query = (text: unknown, values?: readonly unknown[]) => {
    const tag = typeof text === "string" ? TAG.exec(text) : null;
    if (!tag) return (client.query as (t: unknown, v?: unknown) => unknown)(text, values);
    return runNamed(client, tag[1] as string, text as string, values);
  };
  return { query: query as PostgresPoolClient["query"], release: () => client.release() };
}

/** The pool Kysely sees: the same connections, with named statements for tagged queries. */
export function namedStatementPool(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let w = wrapped.get(client);
      if (!w) {
        w = wrapClient(client);
        wrapped.set(client, w);
      }
      return w;
    },
    end: () => pool.end(),
  };
}
