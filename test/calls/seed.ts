import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql, type CompiledQuery } from "kysely";
import pg from "pg";
import type { CallListQuery } from "../../src/domain/calls.js";
import type { Store } from "../../src/store/db.js";
import { callsRepo } from "../../src/store/repositories/calls.js";
import type { Database } from "../../src/store/schema.js";

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * `n` call records over the last `days` days, in time order as the edge writes them: 40% of them
 * the account `acct_big`'s (20 trunks, `trbig1`…), the rest spread over `acct_0`…`acct_49`.
 * Statuses, durations and numbers vary independently of the account.
 */
export async function seedCalls(store: Store, n: number, days = 90): Promise<void> {
  const now = iso(new Date());
  await store.db.insertInto("accounts").values({ sid: "acct_big", api_key: "k", token_hash: "h", created_at: now, updated_at: now }).execute();
  for (let i = 1; i <= 20; i++) {
    await store.db
      .insertInto("trunks")
      .values({ sid: `trbig${i}`, uuid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, account_sid: "acct_big", name: `t${i}`, nso_code: "ANY-ANY", domain_name: "d", auth_type: "none", status: "active", region: "us-east-1", authentication_mode: "ip_address", created_at: now, updated_at: now })
      .execute();
  }
  const start = new Date(Date.now() - days * 86_400_000);
  const stepMs = (days * 86_400_000) / n;
  // In chunks of 1M rows, in time order: a 10M seed keeps one transaction (and SQLite's WAL) bounded.
  const CHUNK = 1_000_000;
  const chunks = async (run: (lo: number, hi: number) => Promise<void> | void) => {
    for (let lo = 1; lo <= n; lo += CHUNK) await run(lo, Math.min(n, lo + CHUNK - 1));
  };
  if (store.engine === "postgres") {
    await chunks(async (lo, hi) => {
      await sql`insert into calls (sid, account_sid, trunk_in_id, direction, from_number, to_number, phone_number, status, sip_code, sip_reason, started_at, ended_at, duration, attempts, call_id)
        select md5(g::text), case when g % 10 < 4 then 'acct_big' else 'acct_' || (g % 50) end, (g % 20) + 1,
          case when g % 2 = 0 then 'inbound' else 'outbound' end, '+1415' || lpad((g % 100000)::text, 7, '0'), '+9122' || lpad((g % 10000)::text, 8, '0'),
          case when g % 2 = 0 then '+9122' || lpad((g % 10000)::text, 8, '0') end,
          (array['completed','completed','completed','completed','completed','completed','busy','no-answer','failed','canceled'])[((g / 10) % 10) + 1], 200, 'OK',
          to_char((${start.toISOString()}::timestamptz + (g::float8 * ${stepMs}::float8) * interval '1 millisecond') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
          to_char((${start.toISOString()}::timestamptz + (g::float8 * ${stepMs}::float8) * interval '1 millisecond') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
          (g / 7) % 120, 1, g::text
        from generate_series(${lo}::int, ${hi}::int) g`.execute(store.db);
    });
    await sql`analyze calls`.execute(store.db);
  } else {
    const sqlite = store.sqlite as SQLite.Database;
    sqlite.function("ts", (g: number) => iso(new Date(start.getTime() + g * stepMs)));
    // Seven B-trees take every row; a cache that holds their hot pages keeps a 10M seed from
    // re-reading them from disk at each insert (this connection's setting, reset after).
    sqlite.pragma("cache_size = -2000000");
    await chunks((lo, hi) => {
      sqlite.exec(`with recursive s(g) as (select ${lo} union all select g + 1 from s where g < ${hi})
        insert into calls (sid, account_sid, trunk_in_id, direction, from_number, to_number, phone_number, status, sip_code, sip_reason, started_at, ended_at, duration, attempts, call_id)
        select printf('%032x', g), case when g % 10 < 4 then 'acct_big' else 'acct_' || (g % 50) end, (g % 20) + 1,
          case when g % 2 = 0 then 'inbound' else 'outbound' end, '+1415' || printf('%07d', g % 100000), '+9122' || printf('%08d', g % 10000),
          case when g % 2 = 0 then '+9122' || printf('%08d', g % 10000) end,
          case (g / 10) % 10 when 6 then 'busy' when 7 then 'no-answer' when 8 then 'failed' when 9 then 'canceled' else 'completed' end, 200, 'OK',
          ts(g), ts(g), (g / 7) % 120, 1, g from s`);
    });
    sqlite.pragma("cache_size = -2000"); // back to the default for the timings
    sqlite.exec("analyze");
  }
}

/**
 * The plan of the (last) query `build` makes the repository build, on a second Kysely over the same
 * data that records the SQL: SQLite's details, or PostgreSQL's EXPLAIN ANALYZE lines.
 */
export async function explainRepositoryQuery(store: Store, build: (db: Kysely<Database>) => Promise<unknown>): Promise<string[]> {
  let captured: CompiledQuery | undefined;
  const log = (e: { query: CompiledQuery }) => {
    captured = e.query;
  };
  const spy =
    store.engine === "postgres"
      ? new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: store.location, max: 1, options: `-c search_path=${store.pgSchema}` }) }), log })
      : new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(store.location) }), log });
  try {
    await build(spy);
    const q = captured as CompiledQuery;
    if (store.engine === "postgres") {
      const r = await spy.executeQuery({ ...q, sql: `explain (analyze, buffers off, costs off, timing off, summary off) ${q.sql}` });
      return (r.rows as { "QUERY PLAN": string }[]).map((x) => x["QUERY PLAN"]);
    }
    const r = await spy.executeQuery({ ...q, sql: `explain query plan ${q.sql}` });
    return (r.rows as { detail: string }[]).map((x) => x.detail);
  } finally {
    await spy.destroy();
  }
}

/** The plan of the call list query for `query`. */
export function explainList(store: Store, accountSid: string, query: CallListQuery): Promise<string[]> {
  return explainRepositoryQuery(store, (db) => callsRepo.list(db, store.engine, accountSid, query));
}
