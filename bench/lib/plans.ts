import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from "kysely";
import type { Store } from "../../src/store/db.js";
import type { Engine } from "../../src/store/engine.js";
import { accountsRepo } from "../../src/store/repositories/accounts.js";
import { childrenOfTrunk } from "../../src/store/repositories/childrenOfTrunk.js";
import { phoneNumbersRepo } from "../../src/store/repositories/phoneNumbers.js";
import { trunksRepo } from "../../src/store/repositories/trunks.js";
import type { Database } from "../../src/store/schema.js";

/**
 * Query plans of the queries the API runs per request, taken from the repositories themselves:
 * each repository function runs once against a Kysely whose driver only records the compiled SQL,
 * and that SQL (with its parameters) is then EXPLAINed on the real store. So the plans checked
 * are the plans of the code as it is, not of a hand-copied query.
 */

class CapturingDriver implements Driver {
  readonly queries: CompiledQuery[] = [];
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    const queries = this.queries;
    return {
      async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
        queries.push(q);
        return { rows: [] };
      },
      // eslint-disable-next-line require-yield
      async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
        throw new Error("not used");
      },
    };
  }
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

async function captureSql(engine: Engine, run: (db: Kysely<Database>) => Promise<unknown>): Promise<CompiledQuery> {
  const driver = new CapturingDriver();
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => (engine === "postgres" ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => driver,
      createIntrospector: (k) => (engine === "postgres" ? new PostgresIntrospector(k) : new SqliteIntrospector(k)),
      createQueryCompiler: () => (engine === "postgres" ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
  });
  await run(db);
  const q = driver.queries[0];
  if (!q) throw new Error("the repository function ran no query");
  return q;
}

export async function explain(store: Store, q: CompiledQuery): Promise<string[]> {
  if (store.engine === "postgres") {
    const r = await store.db.executeQuery<{ "QUERY PLAN": string }>(CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]));
    return r.rows.map((row) => row["QUERY PLAN"]);
  }
  const r = await store.db.executeQuery<{ id: number; parent: number; detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]));
  // Indent by depth, the way the sqlite3 shell prints the tree.
  const depth = new Map<number, number>([[0, 0]]);
  return r.rows.map((row) => {
    const d = (depth.get(row.parent) ?? 0) + 1;
    depth.set(row.id, d);
    return `${"  ".repeat(d - 1)}${row.detail}`;
  });
}

export interface PlanCheck {
  /** ", generic plan": PostgreSQL's plan for the named prepared statement once it stops re-planning per value. */
  name: string;
  sql: string;
  plan: string[];
  /** The index the query must be answered through. */
  expectedIndex: string;
  problems: string[];
}

export interface PlanKeys {
  accountSid: string;
  apiKey: string;
  /** A trunk with many numbers, its id and sid. */
  trunkId: number;
  trunkSid: string;
  /** A trunk uuid in the middle of the account's trunks, as a carrier keyset cursor. */
  cursorTrunkUuid: string;
  number: string;
}

/**
 * What a list or lookup must not do at any size, because its cost would then grow with the data
 * rather than with the page:
 * - read a whole table or index: SQLite `SCAN x`, PostgreSQL `Seq Scan`;
 * - walk an index that does not bound the rows and filter as it goes (PostgreSQL's favourite
 *   trap for `WHERE key = ? ORDER BY id LIMIT n`: `Index Scan using x_pkey` + `Filter: key = ?`) —
 *   every index scan must have an equality (or a closed range) in its `Index Cond`;
 * - (SQLite) sort with a temporary B-tree: every order we page by comes from an index (sorting
 *   the one page of rows that a LIMIT-bounded `page` subquery returned is fine).
 * PostgreSQL may still sort the rows of one key (`Bitmap Heap Scan` + `Sort` for a small trunk):
 * bounded by that trunk's rows, so allowed.
 */
/** Indexes of the tables hanging off a trunk (their reads must be bounded by trunk_id). */
const CHILD_INDEX = /^(destinations|credentials|whitelisted_ips|route_prefixes|trunk_settings)_/;

function problemsOf(engine: Engine, plan: string[], expectedIndex: string): string[] {
  const problems: string[] = [];
  if (!plan.join("\n").includes(expectedIndex)) problems.push(`does not use ${expectedIndex}`);
  if (engine === "sqlite") {
    // A page of ids taken first (a `page` subquery, LIMIT-bounded) may be scanned and sorted:
    // that is at most one page of rows. So may the rows of one trunk's children that a JSON
    // aggregate orders (`USE TEMP B-TREE FOR json_group_array(ORDER BY)`): bounded per trunk at
    // write time (LIMITS), or by the page.
    const paged = plan.some((l) => /^\s*(CO-ROUTINE|MATERIALIZE) page\b/.test(l));
    for (const line of plan) {
      if (/^\s*SCAN /.test(line) && !/^\s*SCAN page\b/.test(line)) problems.push(`full scan: ${line.trim()}`);
      if (/^\s*SEARCH \S+ USING .*INDEX \S*(destinations|credentials|whitelisted_ips|route_prefixes|trunk_settings)/.test(line) && !/trunk_id=/.test(line)) problems.push(`reads a trunk's children not by trunk_id: ${line.trim()}`);
      const allowedSort = (paged && /^\s*USE TEMP B-TREE FOR ORDER BY/.test(line)) || /^\s*USE TEMP B-TREE FOR json_group_array\(ORDER BY\)/.test(line);
      if (/TEMP B-TREE/.test(line) && !allowedSort) problems.push(`sorts with a temporary B-tree: ${line.trim()}`);
    }
    return problems;
  }
  plan.forEach((line, i) => {
    if (/Seq Scan/.test(line)) problems.push(`full scan: ${line.trim()}`);
    const scan = /(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) (\S+)/.exec(line);
    if (!scan) return;
    const indent = line.search(/\S/);
    const props: string[] = [];
    for (let j = i + 1; j < plan.length; j++) {
      const next = plan[j] as string;
      if (next.search(/\S/) <= indent || /->/.test(next)) break;
      props.push(next.trim());
    }
    const cond = props.find((p) => p.startsWith("Index Cond:"));
    const bounded = cond !== undefined && (/ = /.test(cond) || (/ >= /.test(cond) && / <= /.test(cond)));
    if (!bounded) problems.push(`walks ${scan[4]} without an equality bound${cond ? ` (${cond})` : ""}: ${line.trim()}`);
    // A trunk's children are read by their trunk: bounded by something else (a hashed EXISTS
    // over every TLS destination, say), the read grows with every trunk's children.
    else if (CHILD_INDEX.test(scan[4] as string) && !/trunk_id/.test(cond)) problems.push(`reads ${scan[4]} not by trunk_id (${cond}): ${line.trim()}`);
  });
  return problems;
}

/** PostgreSQL's generic plan of a statement: PREPARE it and EXPLAIN EXECUTE under force_generic_plan, on one connection. */
export async function explainGeneric(store: Store, q: CompiledQuery): Promise<string[]> {
  return store.db.connection().execute(async (c) => {
    await c.executeQuery(CompiledQuery.raw("set plan_cache_mode = force_generic_plan"));
    try {
      await c.executeQuery(CompiledQuery.raw(`prepare tl_plan_check as ${q.sql}`));
      // EXECUTE takes no bind parameters: the values go in as literals.
      const args = q.parameters.map((p) => (typeof p === "number" ? String(p) : `'${String(p).replace(/'/g, "''")}'`)).join(", ");
      const r = await c.executeQuery<{ "QUERY PLAN": string }>(CompiledQuery.raw(`explain execute tl_plan_check(${args})`));
      return r.rows.map((row) => row["QUERY PLAN"]);
    } finally {
      await c.executeQuery(CompiledQuery.raw("deallocate tl_plan_check")).catch(() => undefined);
      await c.executeQuery(CompiledQuery.raw("reset plan_cache_mode"));
    }
  });
}

export interface PlanCase {
  name: string;
  expectedIndex: string;
  /** A plan line that must be there too (e.g. the bound that keeps a deep page from walking the whole trunk). */
  expectedLine?: RegExp;
  run: (db: Kysely<Database>) => Promise<unknown>;
}

/** The per-request queries of list and lookup endpoints, with the index each must use. */
export function planCases(engine: Engine, keys: PlanKeys, deepOffset = 0): PlanCase[] {
  return [
    { name: "authenticate: account by api key", expectedIndex: engine === "postgres" ? "accounts_api_key_key" : "sqlite_autoindex_accounts_2", run: (db) => accountsRepo.findByApiKey(db, keys.apiKey) },
    { name: "list trunks of an account (first page)", expectedIndex: "trunks_account_id_idx", run: (db) => trunksRepo.listByOffset(db, keys.accountSid, 0, 50) },
    { name: `list trunks of an account (offset ${deepOffset})`, expectedIndex: "trunks_account_id_idx", run: (db) => trunksRepo.listByOffset(db, keys.accountSid, deepOffset, 50) },
    { name: "list trunks of an account by name prefix (console search)", expectedIndex: engine === "postgres" ? "trunks_account_name_c_idx" : "sqlite_autoindex_trunks_3", run: (db) => trunksRepo.listByOffset(db, keys.accountSid, 0, 50, undefined, "s") },
    { name: "carrier page of trunks with details, newest first", expectedIndex: "trunks_account_id_idx", run: (db) => trunksRepo.keysetDetails(db, keys.accountSid, 50) },
    { name: "carrier page of trunks with details, older than a cursor", expectedIndex: "trunks_account_id_idx", run: (db) => trunksRepo.keysetDetails(db, keys.accountSid, 50, { after: keys.cursorTrunkUuid }) },
    { name: "carrier page of trunks with details, newer than a cursor", expectedIndex: "trunks_account_id_idx", run: (db) => trunksRepo.keysetDetails(db, keys.accountSid, 50, { before: keys.cursorTrunkUuid }) },
    { name: "carrier trunk with details by uuid", expectedIndex: engine === "postgres" ? "trunks_uuid_key" : "sqlite_autoindex_trunks_2", run: (db) => trunksRepo.findDetailByUuid(db, keys.accountSid, keys.cursorTrunkUuid) },
    { name: "get trunk by sid", expectedIndex: engine === "postgres" ? "trunks_sid_key" : "sqlite_autoindex_trunks_1", run: (db) => trunksRepo.findBySid(db, keys.accountSid, keys.trunkSid) },
    { name: "list numbers of a trunk, with the trunk (first page)", expectedIndex: "phone_numbers_trunk_id_idx", run: (db) => phoneNumbersRepo.pageWithTrunk(db, keys.accountSid, keys.trunkSid, 0, 50) },
    // SQLite: the page starts at the offset's id (`id>?` in the index search). Without it, SQLite
    // re-ran the correlated offset walk for every row: offset 99,000 of 100k numbers took 244 s.
    { name: `list numbers of a trunk, with the trunk (offset ${deepOffset})`, expectedIndex: "phone_numbers_trunk_id_idx", ...(engine === "sqlite" ? { expectedLine: /SEARCH phone_numbers USING INDEX phone_numbers_trunk_id_idx \(trunk_id=\? AND id>\?\)/ } : {}), run: (db) => phoneNumbersRepo.pageWithTrunk(db, keys.accountSid, keys.trunkSid, deepOffset, 50) },
    { name: "look up a number in an account (trunk-maps)", expectedIndex: engine === "postgres" ? "phone_numbers_number_key" : "sqlite_autoindex_phone_numbers_1", run: (db) => phoneNumbersRepo.findInAccount(db, keys.accountSid, keys.number) },
    { name: "credentials of a trunk, with the trunk", expectedIndex: "credentials_trunk_id_idx", run: (db) => trunksRepo.findWithCredentials(db, keys.accountSid, keys.trunkSid) },
  ];
}

/** The SQL of the hot queries as the repositories build it (src/store/queries/*.sql snapshots). */
export async function hotQuerySql(engine: Engine, keys: PlanKeys, deepOffset = 0): Promise<{ name: string; sql: string }[]> {
  const out: { name: string; sql: string }[] = [];
  // The Exotel child lists too (bounded per trunk at write time, so not plan-checked at size).
  const children: PlanCase[] = (["acl", "destinations", "settings"] as const).map((child) => ({
    name: `${child} of a trunk, with the trunk`,
    expectedIndex: "",
    run: (db) => childrenOfTrunk(db, child, keys.accountSid, keys.trunkSid, 0, 50),
  }));
  for (const c of [...planCases(engine, keys, deepOffset), ...children]) out.push({ name: c.name, sql: (await captureSql(engine, c.run)).sql });
  return out;
}

/** The per-request queries of list and lookup endpoints: their plans, checked. */
export async function checkPlans(store: Store, keys: PlanKeys, deepOffset = 0): Promise<PlanCheck[]> {
  const engine = store.engine;
  const cases = planCases(engine, keys, deepOffset);
  const out: PlanCheck[] = [];
  for (const c of cases) {
    const q = await captureSql(engine, c.run);
    const plan = await explain(store, q);
    out.push({ name: c.name, sql: q.sql, plan, expectedIndex: c.expectedIndex, problems: [...problemsOf(engine, plan, c.expectedIndex), ...(c.expectedLine && !plan.some((l) => c.expectedLine!.test(l)) ? [`no plan line matches ${c.expectedLine}`] : [])] });
    // The hot queries run as named statements on PostgreSQL (src/store/pgNamed.ts): after five
    // executions their plan may be the generic one, made without the values. Check that one too.
    if (engine === "postgres" && q.sql.startsWith("/* tl:")) {
      const generic = await explainGeneric(store, q);
      out.push({ name: `${c.name}, generic plan`, sql: q.sql, plan: generic, expectedIndex: c.expectedIndex, problems: problemsOf(engine, generic, c.expectedIndex) });
    }
  }
  return out;
}

export function formatPlans(checks: PlanCheck[]): string {
  return checks.map((c) => `${c.problems.length ? "FAIL" : "ok  "} ${c.name}  [${c.expectedIndex}]\n${c.plan.map((l) => `       ${l}`).join("\n")}${c.problems.length ? `\n       problems: ${c.problems.join("; ")}` : ""}`).join("\n");
}
