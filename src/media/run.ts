import type { Config } from "../config.js";
import type { ComponentLog } from "../log.js";
import { migrateToLatest, openStore } from "../store/db.js";
import { mediaAddress, type MediaRelayConfig } from "./config.js";
import { startRtpengine, type RunningRelay } from "./process.js";
import { registerRunningRelay, type RelayHeartbeat } from "./registry.js";

/** rtpengine's level word (`ERR: [core] ...`), as pino's number; its lines stay whole in `msg`. */
export function rtpengineLevel(line: string): number {
  if (/^(EMERG|ALERT|CRIT|ERR)\b/.test(line)) return 50;
  if (/^WARNING\b/.test(line)) return 40;
  return 30;
}

export interface MediaRelayRun {
  relay: RunningRelay;
  heartbeat: RelayHeartbeat;
  /** Marks it stopped in the store (a failure is only logged), then stops rtpengine by PID. */
  stop(): Promise<void>;
}

/**
 * What `trunkline media` and `trunkline up` do: bring the store's schema up to date, start
 * rtpengine (ready once it answers ng ping), register it and heartbeat. A relay that cannot
 * register is stopped: unregistered, no API process would show it.
 */
export async function runMediaRelay(config: Pick<Config, "databaseUrl" | "pgSchema">, relayConfig: MediaRelayConfig, run: { log: ComponentLog; onLine?: (line: string) => void }): Promise<MediaRelayRun> {
  const store = openStore({ databaseUrl: config.databaseUrl, pgSchema: config.pgSchema, poolSize: 1 });
  try {
    await migrateToLatest(store);
  } finally {
    await store.close();
  }
  const relay = await startRtpengine({ ...relayConfig, onLine: run.onLine });
  let heartbeat: RelayHeartbeat;
  try {
    heartbeat = await registerRunningRelay(config, { ngAddress: relay.ngAddress, mediaAddress: mediaAddress(relayConfig) }, { seconds: relayConfig.heartbeatSeconds, log: run.log });
  } catch (error) {
    run.log.warn({ err: (error as Error).message }, "the media relay could not register in the store: stopping it");
    await relay.stop();
    throw error;
  }
  return {
    relay,
    heartbeat,
    async stop() {
      await heartbeat.stop().catch((error: unknown) => run.log.warn({ err: (error as Error).message }, "could not mark the media relay stopped in the store; it shows down after missed heartbeats"));
      await relay.stop();
    },
  };
}
