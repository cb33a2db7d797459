import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Config } from "../config.js";
import { isPostgresUrl, openStore, pingStore } from "../store/db.js";

/** The directory of the default SQLite store: the only one created on demand. */
export const DEFAULT_DATA_DIR = "./data";

/** The URL as it may be shown: a password in it is masked. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, "$1***@");
}

/**
 * Checks DATABASE_URL before anything is opened on it, so a mistake is reported as a mistake in
 * that setting: PostgreSQL must answer; an SQLite file's directory must exist. Only the default
 * ./data is created (0700: it also holds the secret key) — a mistyped path would otherwise
 * silently become a new, empty store.
 */
export async function checkDatabaseUrl(config: Config): Promise<void> {
  const url = config.databaseUrl;
  if (isPostgresUrl(url)) {
    const store = openStore({ databaseUrl: url, pgSchema: config.pgSchema, poolSize: 1 });
    try {
      await pingStore(store);
    } catch (error) {
      throw new Error(`DATABASE_URL=${redactUrl(url)}: cannot connect to PostgreSQL: ${describe(error)}`);
    } finally {
      await store.close().catch(() => undefined);
    }
    return;
  }
  const file = url.replace(/^sqlite:(\/\/)?/, "");
  if (file === ":memory:") return;
  const dir = dirname(file);
  const kind = statSync(dir, { throwIfNoEntry: false });
  if (kind?.isDirectory()) return;
  if (kind) throw new Error(`DATABASE_URL=${url}: ${dir} is not a directory`);
  if (resolve(dir) === resolve(DEFAULT_DATA_DIR)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return;
  }
  throw new Error(`DATABASE_URL=${url}: directory ${dir} does not exist (create it, or fix the path; only the default ${DEFAULT_DATA_DIR} is created)`);
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return error.errors.map(describe).join("; ");
  const e = error as { message?: string; code?: string };
  const message = e.message || e.code || String(error);
  return e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
