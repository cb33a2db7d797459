import { sql, type Insertable, type Kysely, type RawBuilder, type Selectable } from "kysely";
import type { Store } from "./db.js";
import type { Database } from "./schema.js";

/**
 * The self-registration tables: edges (migration 004) and media relays (migration 007) keep a row
 * fresh while they run, keyed by the address API processes reach them at. The two tables share
 * every column but their key and details, and one set of rules: the times are the database's
 * clock (so hosts whose clocks disagree still agree on a heartbeat's age), a row missing
 * DOWN_AFTER_BEATS heartbeats is down, a stopped one is down at once, and one not heard from for
 * the forget time is deleted by any reader.
 */

/** Each registration table and the column a process registers under (a restart takes its row over). */
const KEYS = { edges: "rpc_url", media_relays: "ng_address" } as const;
export type RegistrationTable = keyof typeof KEYS;

/** A process that missed this many heartbeats is down (shown as such, still listed). */
export const DOWN_AFTER_BEATS = 3;
/** A down process is forgotten (its row deleted, by any API process) after this long. */
export const DEFAULT_FORGET_AFTER_SECONDS = 24 * 3600;

/** The columns both tables have. */
interface RegistrationColumns {
  id: string;
  version: string;
  heartbeat_seconds: number;
  started_at: string;
  heartbeat_at: string;
  stopped_at: string | null;
}
/** Either table, as one query sees it (Kysely cannot type a query over a table chosen at run time). */
type Registrations = Record<string, RegistrationColumns & { [K in (typeof KEYS)[RegistrationTable]]?: string }>;
const registrations = (store: Store) => store.db as unknown as Kysely<Registrations>;

/** The database's clock as the schema spells times ("2026-01-23T09:24:59Z"). */
export function dbNow(store: Store): RawBuilder<string> {
  return store.engine === "postgres" ? sql<string>`to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')` : sql<string>`strftime('%Y-%m-%dT%H:%M:%SZ', 'now')`;
}

/** The database's clock now, as registrations' times are written. */
export async function readNow(store: Store): Promise<string> {
  const { rows } = await sql<{ now: string }>`SELECT ${dbNow(store)} AS now`.execute(store.db);
  return (rows[0] as { now: string }).now;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** What a process writes about itself; the heartbeat time and the stop are the store's to set. */
export type Registration<T extends RegistrationTable> = Omit<Insertable<Database[T]>, "heartbeat_at" | "stopped_at">;

/**
 * One heartbeat: the row, fresh and not stopped. An upsert every time: a row another process
 * forgot, or an old instance's at the same address, is taken over.
 */
export async function writeHeartbeat<T extends RegistrationTable>(store: Store, name: T, row: Registration<T>): Promise<void> {
  const table: string = name;
  const fresh = { ...(row as unknown as Omit<RegistrationColumns, "heartbeat_at" | "stopped_at">), heartbeat_at: dbNow(store), stopped_at: null };
  await registrations(store)
    .insertInto(table)
    .values(fresh)
    .onConflict((oc) => oc.column(KEYS[name]).doUpdateSet(fresh))
    .execute();
}

/** A clean stop: API processes show the process down at once. Only this start's row (by id). */
export async function markStopped(store: Store, table: RegistrationTable, id: string): Promise<void> {
  await registrations(store).updateTable(table).set({ stopped_at: dbNow(store) }).where("id", "=", id).execute();
}

/** What every registration says about its process's state, by the database's clock. */
export interface RegistrationState {
  id: string;
  version: string;
  startedAt: string;
  heartbeatAt: string;
  /** Set when it stopped cleanly. */
  stoppedAt: string | null;
  heartbeatSeconds: number;
  /** Seconds since its last heartbeat, by the database's clock. */
  ageSeconds: number;
  /** Heartbeating, and not stopped: stale after DOWN_AFTER_BEATS missed beats. */
  live: boolean;
}

/**
 * Every row of `table` (ordered by its key) with its state; rows whose heartbeat is older than
 * `forgetAfterSeconds` are deleted first.
 */
export async function listRegistrations<T extends RegistrationTable>(store: Store, name: T, forgetAfterSeconds: number): Promise<Array<{ row: Selectable<Database[T]>; state: RegistrationState }>> {
  const db = registrations(store);
  const table: string = name;
  const nowMs = Date.parse(await readNow(store));
  const cutoff = isoSeconds(nowMs - forgetAfterSeconds * 1000);
  const all = () => db.selectFrom(table).selectAll().orderBy(KEYS[name]).execute();
  let rows = await all();
  // Written only when there is something to forget: readers every 2 s must not take the write lock.
  const forget = rows.filter((r) => r.heartbeat_at < cutoff).map((r) => r.id);
  if (forget.length > 0) {
    // The heartbeat condition again: a process that beat meanwhile is kept.
    await db.deleteFrom(table).where("id", "in", forget).where("heartbeat_at", "<", cutoff).execute();
    rows = await all();
  }
  return rows.map((r) => {
    const ageSeconds = Math.max(0, Math.round((nowMs - Date.parse(r.heartbeat_at)) / 1000));
    const state = {
      id: r.id,
      version: r.version,
      startedAt: r.started_at,
      heartbeatAt: r.heartbeat_at,
      stoppedAt: r.stopped_at,
      heartbeatSeconds: r.heartbeat_seconds,
      ageSeconds,
      live: r.stopped_at === null && ageSeconds <= DOWN_AFTER_BEATS * r.heartbeat_seconds,
    };
    return { row: r as unknown as Selectable<Database[T]>, state };
  });
}
