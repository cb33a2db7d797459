import type { Config } from "../config.js";
import { stderrLog, type ComponentLog } from "../log.js";
import { heartbeatOnOwnStore, startHeartbeat, trunklineVersion, type Heartbeat } from "../registry/heartbeat.js";
import type { Store } from "../store/db.js";
import { DEFAULT_FORGET_AFTER_SECONDS, listRegistrations, type RegistrationState } from "../store/registrations.js";
import { NgClient } from "./ng.js";

/**
 * Media relays register themselves as edges do: each rtpengine trunkline runs keeps a row in
 * `media_relays` (migration 007) fresh while it answers ng `ping`; API processes read every
 * registered relay's counters over ng (status.ts). The heartbeat and its rules are the edges'
 * (src/registry/heartbeat.ts, src/store/registrations.ts): down after DOWN_AFTER_BEATS missed
 * heartbeats, deleted once down for the edges' forget-after time (TRUNKLINE_EDGE_FORGET_AFTER).
 */

export interface RelayInfo {
  /** Where edges and API processes reach its ng control port, ip:port. */
  ngAddress: string;
  /** Where peers send media (the advertised address behind NAT). */
  mediaAddress: string;
}

export interface RegisteredRelay extends RegistrationState {
  ngAddress: string;
  mediaAddress: string;
}

export type RelayHeartbeat = Heartbeat;

/**
 * Registers the relay (taking over an earlier row of the same ng address) and beats every
 * `seconds` while the probe (rtpengine answering ping) answers.
 */
export async function startRelayHeartbeat(store: Store, info: RelayInfo, options: { seconds: number; probe?: () => Promise<unknown>; log?: ComponentLog }): Promise<RelayHeartbeat> {
  return startHeartbeat(store, {
    table: "media_relays",
    row: { ng_address: info.ngAddress, media_address: info.mediaAddress, version: trunklineVersion() },
    intervalSeconds: options.seconds,
    probe: options.probe,
    log: options.log ?? stderrLog("media_registry"),
    noun: "media relay",
    shortNoun: "relay",
    logFields: { ng: info.ngAddress },
    registeredFields: { media: info.mediaAddress },
  });
}

/** Every registered relay with its age; rows not heard from for `forgetAfterSeconds` are deleted first. */
export async function listMediaRelays(store: Store, forgetAfterSeconds = DEFAULT_FORGET_AFTER_SECONDS): Promise<RegisteredRelay[]> {
  const rows = await listRegistrations(store, "media_relays", forgetAfterSeconds);
  return rows.map(({ row, state: { id, ...state } }) => ({ id, ngAddress: row.ng_address, mediaAddress: row.media_address, ...state }));
}

/**
 * What `trunkline media` and `trunkline up` do once rtpengine answers: register it and heartbeat
 * while it answers ng `ping`. `stop()` marks it stopped and closes the store connection this opens.
 */
export async function registerRunningRelay(config: Pick<Config, "databaseUrl" | "pgSchema">, info: RelayInfo, options: { seconds: number; log?: ComponentLog }): Promise<RelayHeartbeat> {
  const ng = new NgClient(info.ngAddress, { timeoutMs: 1000 });
  return heartbeatOnOwnStore(config, (store) => startRelayHeartbeat(store, info, { seconds: options.seconds, probe: () => ng.ping(), log: options.log }), () => ng.close());
}
