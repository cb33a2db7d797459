import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration } from "kysely";
import pg from "pg";
import type { Engine } from "./engine.js";
import { migrations } from "./migrations/index.js";
import type { Database } from "./schema.js";

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  /** Where the data lives, for the SIP edge: a file path (sqlite) or a URL (postgres). */
  location: string;
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
  if (isPostgresUrl(options.databaseUrl)) {
    const schema = options.pgSchema?.replace(/[^A-Za-z0-9_]/g, "");
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      // Set per connection at startup, so no query can run before it.
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: "postgres", location: options.databaseUrl, close: () => db.destroy() };
  }
  const file = options.databaseUrl.replace(/^sqlite:(\/\/)?/, "");
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, engine: "sqlite", location: file, close: () => db.destroy() };
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
  const migrator = new Migrator({ db: store.db, provider, migrationTableName: "trunkline_migrations", migrationLockTableName: "trunkline_migrations_lock" });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Cheap round trip for /readyz. */
export async function pingStore(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}
