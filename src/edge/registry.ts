import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { sql, type RawBuilder } from "kysely";
import type { Config } from "../config.js";
import { stderrLog, type ComponentLog } from "../log.js";
import { openStore, type Store } from "../store/db.js";
import type { EdgeOptions } from "./config.js";
import { EdgeRpc } from "./rpc.js";

/**
 * Edges register themselves: each running edge keeps a row in the store's `edges` table
 * (migration 004) fresh, and every API process finds the edges to keep in step there (the
 * reloader's discovery). Times are the database's clock, so an edge and an API on hosts whose
 * clocks disagree still agree on how old a heartbeat is.
 */

/** What an edge says about itself. */
export interface EdgeInfo {
  /** Where API processes reach its JSON-RPC, e.g. http://10.0.0.5:5071/RPC. */
  rpcUrl: string;
  /** Its SIP address, host:port. */
  sipAddress: string;
  region: string;
  /** trunkline version (default: this package's). */
  version?: string;
}

/** A registered edge as API processes see it. */
export interface RegisteredEdge {
  id: string;
  rpcUrl: string;
  sipAddress: string;
  region: string;
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

/** An edge that missed this many heartbeats is down (shown as such, still listed). */
export const DOWN_AFTER_BEATS = 3;
export const DEFAULT_HEARTBEAT_SECONDS = 5;
/** A down edge is forgotten (its row deleted, by any API process) after this long. */
export const DEFAULT_FORGET_AFTER_SECONDS = 24 * 3600;

/** The database's clock as the schema spells times ("2026-01-23T09:24:59Z"). */
function dbNow(store: Store): RawBuilder<string> {
  return store.engine === "postgres" ? sql<string>`to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')` : sql<string>`strftime('%Y-%m-%dT%H:%M:%SZ', 'now')`;
}

/** The database's clock now, as the registry's times are written. */
export async function readNow(store: Store): Promise<string> {
  const { rows } = await sql<{ now: string }>`SELECT ${dbNow(store)} AS now`.execute(store.db);
  return (rows[0] as { now: string }).now;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

let packageVersion: string | undefined;
/** This package's version (package.json sits two levels above both src/edge and dist/edge). */
export function trunklineVersion(): string {
  packageVersion ??= (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return packageVersion;
}

/** The registration of an edge run with `options`: its RPC URL, SIP address and region (TRUNKLINE_EDGE_REGION). */
export function edgeInfo(options: EdgeOptions, config: Pick<Config, "regions" | "edgeRegion">): EdgeInfo {
  const host = (h: string) => (h.includes(":") ? `[${h}]` : h);
  // An RPC socket on every address is reached on loopback from this host; say a real address otherwise.
  const rpcHost = options.rpcAddress === "0.0.0.0" ? "127.0.0.1" : options.rpcAddress;
  return {
    rpcUrl: `http://${host(rpcHost)}:${options.rpcPort}/RPC`,
    // What callers and PBXs are told to use: the advertised address behind NAT, else the listen address.
    sipAddress: options.advertise ? `${host(options.advertise.host)}:${options.advertise.port ?? options.sipPort}` : `${host(options.sipAddress)}:${options.sipPort}`,
    region: config.edgeRegion ?? config.regions.defaultAlias,
  };
}

export interface HeartbeatOptions {
  /** Default 5 s (TRUNKLINE_EDGE_HEARTBEAT_SECONDS). */
  intervalSeconds?: number;
  /** Checked before each beat (e.g. Kamailio answering JSON-RPC): no answer, no beat. */
  probe?: () => Promise<unknown>;
  log?: ComponentLog;
}

export interface EdgeHeartbeat {
  /** This start's row id. */
  readonly id: string;
  /** Stops beating and marks the edge stopped: API processes show it down at once. */
  stop(): Promise<void>;
  /** Stops beating and leaves the row as it is (what a crash does; tests use it). */
  halt(): void;
}

/**
 * Registers the edge (replacing an earlier registration of the same RPC URL) and beats every
 * interval. A beat that cannot reach the store, or whose probe fails, is skipped and logged once
 * per outage; the edge then shows as down after DOWN_AFTER_BEATS intervals.
 */
export async function startEdgeHeartbeat(store: Store, info: EdgeInfo, options: HeartbeatOptions = {}): Promise<EdgeHeartbeat> {
  const id = randomUUID();
  const seconds = options.intervalSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
  const log = options.log ?? stderrLog("edge_registry");
  const startedAt = await readNow(store);
  const row = { id, rpc_url: info.rpcUrl, sip_address: info.sipAddress, region: info.region, version: info.version ?? trunklineVersion(), heartbeat_seconds: seconds, started_at: startedAt };
  // An upsert every time: a row another process forgot, or an old instance's, is taken over.
  let stopped = false;
  const beat = async () => {
    await options.probe?.();
    if (stopped) return;
    await store.db
      .insertInto("edges")
      .values({ ...row, heartbeat_at: dbNow(store), stopped_at: null })
      .onConflict((oc) =>
        oc.column("rpc_url").doUpdateSet({ ...row, heartbeat_at: dbNow(store), stopped_at: null }),
      )
      .execute();
  };
  await beat();
  log.info({ edge: info.rpcUrl, sip: info.sipAddress, region: info.region }, "edge registered in the store");

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let failing = false;
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = beat().then(
        () => {
          if (failing) log.info({ edge: info.rpcUrl }, "edge heartbeat written again");
          failing = false;
        },
        (error: unknown) => {
          if (!failing) log.warn({ edge: info.rpcUrl, err: (error as Error).message }, "edge heartbeat skipped; API processes show the edge down after missed heartbeats");
          failing = true;
        },
      );
      void running.finally(next);
    }, seconds * 1000);
    timer.unref();
  };
  next();
  const halt = () => {
    stopped = true;
    clearTimeout(timer);
  };
  return {
    id,
    halt,
    async stop() {
      halt();
      await running;
      await store.db.updateTable("edges").set({ stopped_at: dbNow(store) }).where("id", "=", id).execute();
      log.info({ edge: info.rpcUrl }, "edge marked stopped in the store");
    },
  };
}

/**
 * Every registered edge with its age; rows whose heartbeat is older than `forgetAfterSeconds`
 * are deleted first (any API process may do it).
 */
export async function listEdges(store: Store, forgetAfterSeconds = DEFAULT_FORGET_AFTER_SECONDS): Promise<RegisteredEdge[]> {
  const now = await readNow(store);
  const nowMs = Date.parse(now);
  const cutoff = isoSeconds(nowMs - forgetAfterSeconds * 1000);
  let rows = await store.db.selectFrom("edges").selectAll().orderBy("rpc_url").execute();
  // Written only when there is something to forget: readers every 2 s must not take the write lock.
  const forget = rows.filter((r) => r.heartbeat_at < cutoff).map((r) => r.id);
  if (forget.length > 0) {
    // The heartbeat condition again: an edge that beat meanwhile is kept.
    await store.db.deleteFrom("edges").where("id", "in", forget).where("heartbeat_at", "<", cutoff).execute();
    rows = await store.db.selectFrom("edges").selectAll().orderBy("rpc_url").execute();
  }
  return rows.map((r) => {
    const ageSeconds = Math.max(0, Math.round((nowMs - Date.parse(r.heartbeat_at)) / 1000));
    return {
      id: r.id,
      rpcUrl: r.rpc_url,
      sipAddress: r.sip_address,
      region: r.region,
      version: r.version,
      startedAt: r.started_at,
      heartbeatAt: r.heartbeat_at,
      stoppedAt: r.stopped_at,
      heartbeatSeconds: r.heartbeat_seconds,
      ageSeconds,
      live: r.stopped_at === null && ageSeconds <= DOWN_AFTER_BEATS * r.heartbeat_seconds,
    };
  });
}

/** Resolves once the edge answers JSON-RPC (core.uptime); fails after `timeoutMs` or when `exited()` says it died. */
export async function waitForEdgeRpc(rpcUrl: string, { timeoutMs = 30000, exited }: { timeoutMs?: number; exited?: () => boolean } = {}): Promise<void> {
  const rpc = new EdgeRpc(rpcUrl, 1000);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited?.()) throw new Error(`the edge exited before answering JSON-RPC at ${rpcUrl}`);
      const up = await rpc.call("core.uptime").then(
        () => true,
        () => false,
      );
      if (up) return;
      if (Date.now() > deadline) throw new Error(`the edge did not answer JSON-RPC at ${rpcUrl} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    rpc.close();
  }
}

/**
 * What `trunkline edge` and `trunkline up` do once Kamailio runs: wait until it answers JSON-RPC,
 * then register it and heartbeat while it keeps answering. `stop()` marks it stopped and closes
 * the store connection this opens.
 */
export async function registerRunningEdge(config: Config, options: EdgeOptions, run: { exited?: () => boolean; log?: ComponentLog } = {}): Promise<EdgeHeartbeat> {
  const info = edgeInfo(options, config);
  await waitForEdgeRpc(info.rpcUrl, { exited: run.exited });
  const store = openStore({ databaseUrl: config.databaseUrl, pgSchema: config.pgSchema, poolSize: 1 });
  const rpc = new EdgeRpc(info.rpcUrl, 2000);
  try {
    const heartbeat = await startEdgeHeartbeat(store, info, {
      intervalSeconds: config.edgeHeartbeatSeconds,
      probe: () => rpc.call("core.uptime"),
      log: run.log,
    });
    return {
      id: heartbeat.id,
      halt() {
        heartbeat.halt();
        rpc.close();
        void store.close();
      },
      async stop() {
        try {
          await heartbeat.stop();
        } finally {
          rpc.close();
          await store.close();
        }
      },
    };
  } catch (error) {
    rpc.close();
    await store.close();
    throw error;
  }
}
