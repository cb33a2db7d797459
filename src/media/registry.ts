import { randomUUID } from "node:crypto";
import type { Config } from "../config.js";
import { DEFAULT_FORGET_AFTER_SECONDS, DOWN_AFTER_BEATS, readNow, trunklineVersion } from "../edge/registry.js";
import { stderrLog, type ComponentLog } from "../log.js";
import { openStore, type Store } from "../store/db.js";
import { NgClient } from "./ng.js";

/**
 * Media relays register themselves as edges do (src/edge/registry.ts): each rtpengine trunkline
 * runs keeps a row in `media_relays` (migration 007) fresh while it answers ng `ping`; API
 * processes read every registered relay's counters over ng (status.ts). Times are the database's
 * clock. A relay that missed DOWN_AFTER_BEATS heartbeats is down; one down for the edges'
 * forget-after time (TRUNKLINE_EDGE_FORGET_AFTER) is deleted.
 */

export interface RelayInfo {
  /** Where edges and API processes reach its ng control port, ip:port. */
  ngAddress: string;
  /** Where peers send media (the advertised address behind NAT). */
  mediaAddress: string;
}

export interface RegisteredRelay {
  id: string;
  ngAddress: string;
  mediaAddress: string;
  version: string;
  startedAt: string;
  heartbeatAt: string;
  /** Set when it stopped cleanly. */
  stoppedAt: string | null;
  heartbeatSeconds: number;
  /** Seconds since its last heartbeat, by the database's clock. */
  ageSeconds: number;
  /** Heartbeating, and not stopped. */
  live: boolean;
}

export interface RelayHeartbeat {
  readonly id: string;
  /** Stops beating and marks the relay stopped: API processes show it stopped at once. */
  stop(): Promise<void>;
  /** Stops beating and leaves the row as it is (what a crash does). */
  halt(): void;
}

/**
 * Registers the relay (taking over an earlier row of the same ng address) and beats every
 * `seconds`. A beat whose probe fails (rtpengine not answering ping) or that cannot reach the
 * store is skipped and logged once per outage.
 */
export async function startRelayHeartbeat(store: Store, info: RelayInfo, options: { seconds: number; probe?: () => Promise<unknown>; log?: ComponentLog }): Promise<RelayHeartbeat> {
  const id = randomUUID();
  const log = options.log ?? stderrLog("media_registry");
  const row = { id, ng_address: info.ngAddress, media_address: info.mediaAddress, version: trunklineVersion(), heartbeat_seconds: options.seconds, started_at: await readNow(store) };
  let stopped = false;
  const beat = async () => {
    await options.probe?.();
    if (stopped) return;
    const fresh = { ...row, heartbeat_at: await readNow(store), stopped_at: null };
    await store.db
      .insertInto("media_relays")
      .values(fresh)
      .onConflict((oc) => oc.column("ng_address").doUpdateSet(fresh))
      .execute();
  };
  await beat();
  log.info({ ng: info.ngAddress, media: info.mediaAddress }, "media relay registered in the store");

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let failing = false;
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = beat().then(
        () => {
          if (failing) log.info({ ng: info.ngAddress }, "media relay heartbeat written again");
          failing = false;
        },
        (error: unknown) => {
          if (!failing) log.warn({ ng: info.ngAddress, err: (error as Error).message }, "media relay heartbeat skipped; API processes show the relay down after missed heartbeats");
          failing = true;
        },
      );
      void running.finally(next);
    }, options.seconds * 1000);
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
      await store.db.updateTable("media_relays").set({ stopped_at: await readNow(store) }).where("id", "=", id).execute();
      log.info({ ng: info.ngAddress }, "media relay marked stopped in the store");
    },
  };
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Every registered relay with its age; rows not heard from for `forgetAfterSeconds` are deleted first. */
export async function listMediaRelays(store: Store, forgetAfterSeconds = DEFAULT_FORGET_AFTER_SECONDS): Promise<RegisteredRelay[]> {
  const nowMs = Date.parse(await readNow(store));
  const cutoff = isoSeconds(nowMs - forgetAfterSeconds * 1000);
  let rows = await store.db.selectFrom("media_relays").selectAll().orderBy("ng_address").execute();
  // Written only when there is something to forget: frequent readers must not take the write lock.
  const forget = rows.filter((r) => r.heartbeat_at < cutoff).map((r) => r.id);
  if (forget.length > 0) {
    await store.db.deleteFrom("media_relays").where("id", "in", forget).where("heartbeat_at", "<", cutoff).execute();
    rows = await store.db.selectFrom("media_relays").selectAll().orderBy("ng_address").execute();
  }
  return rows.map((r) => {
    const ageSeconds = Math.max(0, Math.round((nowMs - Date.parse(r.heartbeat_at)) / 1000));
    return {
      id: r.id,
      ngAddress: r.ng_address,
      mediaAddress: r.media_address,
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

/**
 * What `trunkline media` and `trunkline up` do once rtpengine answers: register it and heartbeat
 * while it answers ng `ping`. `stop()` marks it stopped and closes the store connection this opens.
 */
export async function registerRunningRelay(config: Pick<Config, "databaseUrl" | "pgSchema">, info: RelayInfo, options: { seconds: number; log?: ComponentLog }): Promise<RelayHeartbeat> {
  const store = openStore({ databaseUrl: config.databaseUrl, pgSchema: config.pgSchema, poolSize: 1 });
  const ng = new NgClient(info.ngAddress, { timeoutMs: 1000 });
  const release = async () => {
    ng.close();
    await store.close();
  };
  try {
    const heartbeat = await startRelayHeartbeat(store, info, { seconds: options.seconds, probe: () => ng.ping(), log: options.log });
    return {
      id: heartbeat.id,
      halt() {
        heartbeat.halt();
        void release();
      },
      async stop() {
        try {
          await heartbeat.stop();
        } finally {
          await release();
        }
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}
