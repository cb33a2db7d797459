import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type DialectAdapter, type Migration, type SqliteDatabase, type SqliteStatement } from "kysely";
import pg from "pg";
import type { Engine } from "./engine.js";
import { QueryClock, rowBuilder } from "./executor.js";
import { migrations, repeatable } from "./migrations/index.js";
import { NamedStatements, useNamedStatements } from "./pgNamed.js";
import type { Database } from "./schema.js";

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  /** Where the data lives, for the SIP edge: a file path (sqlite) or a URL (postgres). */
  location: string;
  /** PostgreSQL: the schema this store lives in (its search_path). */
  pgSchema?: string;
  /** SQLite: the one connection, for the per-request `pragma data_version` (accountChanges.ts). */
  sqlite?: SQLite.Database;
  /** Times every statement (/metrics observes it). */
  queries: QueryClock;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://...` selects PostgreSQL; anything else is an SQLite file path. */
  databaseUrl: string;
  /** PostgreSQL schema to use (tests use a fresh one per run). */
  pgSchema?: string;
  poolSize?: number;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

// PostgreSQL returns COUNT/BIGINT as strings; our ids fit in int4 and counts in a double.
pg.types.setTypeParser(20, (v) => Number(v));

export function openStore(options: StoreOptions): Store {
  const queries = new QueryClock();
  if (isPostgresUrl(options.databaseUrl)) {
    const schema = options.pgSchema?.replace(/[^A-Za-z0-9_]/g, "");
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      // Set per connection at startup, so no query can run before it.
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: queries.log });
    // The hot statements compiled once (prepared.ts) run named, on the same pool, beside Kysely.
    useNamedStatements(db, new NamedStatements(pool, queries));
    return { db, engine: "postgres", location: options.databaseUrl, pgSchema: schema || "public", queries, close: () => db.destroy() };
  }
  const file = options.databaseUrl.replace(/^sqlite:(\/\/)?/, "");
  if (file !== ":memory:") createPrivately(file);
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  const db = new Kysely<Database>({ dialect: new TransactionalSqliteDialect({ database: withStatementCache(sqlite) }), log: queries.log });
  return { db, engine: "sqlite", location: file, sqlite, queries, close: () => db.destroy() };
}

/**
 * The database holds credentials' hashes and sealed passwords: a directory we create is 0700 and
 * a file we create 0600 (SQLite gives its -wal and -shm files the database file's mode). Existing
 * ones keep the mode their owner gave them.
 */
function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/**
 * SQLite runs DDL inside transactions, but Kysely's adapter says it cannot, so its migrator ran
 * each migration outside any transaction: a failure half way left half a migration, and two
 * processes starting on a fresh store applied the same one twice. With transactional DDL each
 * run is one `begin immediate` transaction (see withStatementCache): atomic, and one process at
 * a time.
 */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
class TransactionalSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalSqliteAdapter();
  }
}

/**
 * Kysely prepares every query afresh, and for the API's small queries SQLite's prepare costs
 * more than running them (profiled: the largest single cost of a read request). Statements are
 * reused by SQL text, least recently used dropped past `max`; one still being iterated (busy) is
 * never handed out twice.
 *
 * Rows are fetched as arrays and turned into objects here: better-sqlite3 builds row objects
 * through V8's slow property path, which (profiled) made a page of 50 numbers cost ~150 µs in the
 * driver against ~90 µs this way. Same objects, same key order, later duplicate names winning.
 */
function withStatementCache(sqlite: SQLite.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement & { busy: boolean }>();
  return {
    close: () => sqlite.close(),
    prepare(query: string) {
      // Kysely opens transactions with a deferred `begin`. Take the write lock at the start instead:
      // a deferred transaction that read first cannot wait for another process's write (SQLite
      // answers "database is locked" at once), and two processes migrating a fresh store at the
      // same time ran the same migration twice. `begin immediate` waits (busy_timeout) instead.
      const text = query === "begin" ? "begin immediate" : query;
      const hit = cache.get(text);
      if (hit && !hit.busy) {
        cache.delete(text);
        cache.set(text, hit);
        return hit;
      }
      const stmt = objectRows(sqlite.prepare(text));
      if (!hit && cache.size >= max) cache.delete(cache.keys().next().value as string);
      cache.set(text, stmt);
      return stmt;
    },
  };
}

function objectRows(stmt: SQLite.Statement): SqliteStatement & { busy: boolean } {
  if (!stmt.reader) {
    return {
      reader: false,
      get busy() {
        return stmt.busy;
      },
      all: (p) => stmt.all(...p),
      run: (p) => stmt.run(...p),
      iterate: (p) => stmt.iterate(...p),
    };
  }
  const names = stmt.columns().map((c) => c.name);
  stmt.raw(true);
  const toObject = rowBuilder(names);
  return {
    reader: true,
    get busy() {
      return stmt.busy;
    },
    all: (p) => (stmt.all(...p) as unknown[][]).map(toObject),
    run: (p) => stmt.run(...p),
    *iterate(p) {
      for (const row of stmt.iterate(...p) as IterableIterator<unknown[]>) yield toObject(row);
    },
  };
}

export async function migrateToLatest(store: Store): Promise<string[]> {
  const provider = {
    async getMigrations(): Promise<Record<string, Migration>> {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(migrations)) {
        out[name] = { up: (db) => m.up(db, store.engine) };
      }
      return out;
    },
  };
  const migrator = new Migrator({
    db: store.db,
    provider,
    migrationTableName: "trunkline_migrations",
    migrationLockTableName: "trunkline_migrations_lock",
    // Named, because Kysely otherwise takes a migration table in ANY schema of the database for
    // ours (several deployments or test runs share one database). Created when missing.
    ...(store.pgSchema ? { migrationTableSchema: store.pgSchema } : {}),
  });
  let outcome = await migrator.migrateToLatest();
  for (let retry = 1; outcome.error && retry <= 5 && droppedElsewhere(outcome.error, store.pgSchema); retry++) {
    await new Promise((resolve) => setTimeout(resolve, 20 * retry));
    outcome = await migrator.migrateToLatest();
  }
  const { error, results } = outcome;
  if (error) throw error instanceof Error ? error : new Error(String(error));
  // Recreated on every start (each step serialises concurrent starts itself).
  for (const step of Object.values(repeatable)) await step.up(store.db as Kysely<unknown>, store.engine);
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/**
 * Kysely's migrator finds its own tables by listing every table of every schema of the database,
 * resolving each by name (`pg_get_serial_sequence`, `has_schema_privilege`): a schema that another
 * deployment or test run drops meanwhile fails the listing (seen in the shared test database).
 * Such an error names a schema that is not ours; nothing of ours was touched, so the run is retried.
 */
function droppedElsewhere(error: unknown, schema: string | undefined): boolean {
  const e = error as { code?: string; message?: string };
  if (schema === undefined || (e?.code !== "42P01" && e?.code !== "3F000")) return false;
  const named = /^(?:relation "([^"]+)\.[^"]+"|schema "([^"]+)") does not exist$/.exec(e.message ?? "");
  const other = named?.[1] ?? named?.[2];
  return other !== undefined && other !== schema;
}

/** Cheap round trip for /readyz. */
export async function pingStore(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}
