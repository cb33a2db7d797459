import { createHash } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import type { Store } from "../db.js";
import type { Executor } from "../executor.js";

/**
 * How an API process learns that another process (the CLI, another API process) changed an
 * account's credentials, so cached authentications are dropped before the next request instead
 * of after a TTL. The per-request check does no query:
 *
 * - SQLite: `PRAGMA data_version` on the process's one connection changes whenever another
 *   connection committed anything (a prepared statement, ~1 µs). Our own writes don't change it;
 *   the service forgets those itself.
 * - PostgreSQL: the writer sends NOTIFY on a channel of the store's schema in the transaction that
 *   changed the account; a dedicated LISTEN connection sets a flag. Delivery takes as long as a
 *   packet on the database connection (sub-millisecond on one host). While that connection is
 *   down, `live` is false and callers must not trust a cache.
 */
export interface AccountChangeWatch {
  /** False while changes cannot be seen (PostgreSQL listener not connected): don't use a cache. */
  readonly live: boolean;
  /** True once after accounts may have changed elsewhere since the previous call. */
  changed(): boolean;
  close(): Promise<void>;
}

/** Channel per PostgreSQL schema (deployments and test runs share databases); ≤ 63 bytes. */
function channelOf(schema: string): string {
  return `trunkline_accounts_${createHash("sha256").update(schema).digest("hex").slice(0, 24)}`;
}

/** Tells every API process that accounts changed; run inside the writing transaction (PostgreSQL). */
export async function notifyAccountsChanged(db: Executor, store: Pick<Store, "engine" | "pgSchema">): Promise<void> {
  if (store.engine !== "postgres") return; // SQLite readers see data_version move
  await sql`select pg_notify(${channelOf(store.pgSchema ?? "public")}, '')`.execute(db);
}

class SqliteWatch implements AccountChangeWatch {
  readonly live = true;
  private last: unknown;
  constructor(private readonly version: () => unknown) {
    this.last = version();
  }
  changed(): boolean {
    let now: unknown;
    try {
      now = this.version();
    } catch {
      return true; // the connection is busy (a streamed query): trust nothing cached this time
    }
    if (now === this.last) return false;
    this.last = now;
    return true;
  }
  async close(): Promise<void> {}
}

class PostgresWatch implements AccountChangeWatch {
  live = false;
  private dirty = false;
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
  ) {}

  changed(): boolean {
    const was = this.dirty;
    this.dirty = false;
    return was;
  }

  async connect(): Promise<void> {
    // Keepalive: a connection that died silently would otherwise look live until the TTL backstop.
    const client = new pg.Client({ connectionString: this.url, keepAlive: true });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.live = false;
      this.dirty = true;
      client.end().catch(() => undefined);
      if (!this.closed) this.retry = setTimeout(() => void this.connect().catch(() => undefined), 1000).unref();
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", () => {
      this.dirty = true;
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`listen "${this.channel}"`);
      // Anything may have changed while we were not listening.
      this.dirty = true;
      this.live = !this.closed;
    } catch (error) {
      lost();
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.live = false;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/**
 * Starts watching the store for account changes made elsewhere. A PostgreSQL listener that cannot
 * connect now retries in the background; until then `live` is false.
 */
export async function watchAccountChanges(store: Store): Promise<AccountChangeWatch> {
  if (store.engine === "sqlite") {
    if (!store.sqlite) return { live: false, changed: () => true, close: async () => undefined };
    const stmt = store.sqlite.prepare("pragma data_version").pluck();
    return new SqliteWatch(() => stmt.get());
  }
  const watch = new PostgresWatch(store.location, channelOf(store.pgSchema ?? "public"));
  await watch.connect().catch(() => undefined);
  return watch;
}
