import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Config } from "../config.js";
import type { ComponentLog } from "../log.js";
import { openStore, type Store } from "../store/db.js";
import { markStopped, readNow, writeHeartbeat, type Registration, type RegistrationTable } from "../store/registrations.js";

/**
 * The heartbeat loop every self-registering process runs (edges: src/edge/registry.ts, media
 * relays: src/media/registry.ts): register, beat every interval while a liveness probe answers,
 * mark stopped on a clean stop. The rules for reading the rows are src/store/registrations.ts.
 */

export interface Heartbeat {
  /** This start's row id. */
  readonly id: string;
  /** Stops beating and marks the process stopped: API processes show it down at once. */
  stop(): Promise<void>;
  /** Stops beating and leaves the row as it is (what a crash does; tests use it). */
  halt(): void;
}

let packageVersion: string | undefined;
/** This package's version (package.json sits two levels above both src/registry and dist/registry). */
export function trunklineVersion(): string {
  packageVersion ??= (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return packageVersion;
}

export interface HeartbeatSpec<T extends RegistrationTable> {
  table: T;
  /** The row but its id, start time and interval (taken here). */
  row: Omit<Registration<T>, "id" | "started_at" | "heartbeat_seconds">;
  intervalSeconds: number;
  /** Checked before each beat (Kamailio answering JSON-RPC, rtpengine ng ping): no answer, no beat. */
  probe?: () => Promise<unknown>;
  log: ComponentLog;
  /** What the logs call it ("edge", "media relay") and call it again ("edge", "relay"). */
  noun: string;
  shortNoun: string;
  /** The fields that name it in every log line, and those added when it registers. */
  logFields: object;
  registeredFields: object;
}

/**
 * Registers the process (taking over an earlier row at the same address) and beats every
 * interval. A beat that cannot reach the store, or whose probe fails, is skipped and logged once
 * per outage; the process then shows as down after DOWN_AFTER_BEATS intervals.
 */
export async function startHeartbeat<T extends RegistrationTable>(store: Store, spec: HeartbeatSpec<T>): Promise<Heartbeat> {
  const id = randomUUID();
  const { log, noun, logFields } = spec;
  const row = { ...spec.row, id, heartbeat_seconds: spec.intervalSeconds, started_at: await readNow(store) } as unknown as Registration<T>;
  let stopped = false;
  const beat = async () => {
    await spec.probe?.();
    if (stopped) return;
    await writeHeartbeat(store, spec.table, row);
  };
  await beat();
  log.info({ ...logFields, ...spec.registeredFields }, `${noun} registered in the store`);

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let failing = false;
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = beat().then(
        () => {
          if (failing) log.info(logFields, `${noun} heartbeat written again`);
          failing = false;
        },
        (error: unknown) => {
          if (!failing) log.warn({ ...logFields, err: (error as Error).message }, `${noun} heartbeat skipped; API processes show the ${spec.shortNoun} down after missed heartbeats`);
          failing = true;
        },
      );
      void running.finally(next);
    }, spec.intervalSeconds * 1000);
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
      await markStopped(store, spec.table, id);
      log.info(logFields, `${noun} marked stopped in the store`);
    },
  };
}

/**
 * What `trunkline up`, `edge` and `media` do once the process answers: `start` a heartbeat on a
 * store connection of its own; `release` (the probe's client) and that connection are closed when
 * it stops or halts, or when starting fails.
 */
export async function heartbeatOnOwnStore(config: Pick<Config, "databaseUrl" | "pgSchema">, start: (store: Store) => Promise<Heartbeat>, release: () => void): Promise<Heartbeat> {
  let store: Store;
  try {
    store = openStore({ databaseUrl: config.databaseUrl, pgSchema: config.pgSchema, poolSize: 1 });
  } catch (error) {
    release();
    throw error;
  }
  const close = async () => {
    release();
    await store.close();
  };
  try {
    const heartbeat = await start(store);
    return {
      id: heartbeat.id,
      halt() {
        heartbeat.halt();
        void close();
      },
      async stop() {
        try {
          await heartbeat.stop();
        } finally {
          await close();
        }
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
