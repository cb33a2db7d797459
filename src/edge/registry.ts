import type { Config } from "../config.js";
import { stderrLog, type ComponentLog } from "../log.js";
import { heartbeatOnOwnStore, startHeartbeat, trunklineVersion, type Heartbeat } from "../registry/heartbeat.js";
import type { Store } from "../store/db.js";
import { DEFAULT_FORGET_AFTER_SECONDS, listRegistrations, type RegistrationState } from "../store/registrations.js";
import type { EdgeOptions } from "./config.js";
import { EdgeRpc } from "./rpc.js";

export { DEFAULT_FORGET_AFTER_SECONDS, DOWN_AFTER_BEATS, readNow } from "../store/registrations.js";
export { trunklineVersion } from "../registry/heartbeat.js";

/**
 * Edges register themselves: each running edge keeps a row in the store's `edges` table
 * (migration 004) fresh, and every API process finds the edges to keep in step there (the
 * reloader's discovery). The heartbeat and its rules are shared with media relays
 * (src/registry/heartbeat.ts, src/store/registrations.ts).
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
export interface RegisteredEdge extends RegistrationState {
  rpcUrl: string;
  sipAddress: string;
  region: string;
}

export const DEFAULT_HEARTBEAT_SECONDS = 5;

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

export type EdgeHeartbeat = Heartbeat;

/**
 * Registers the edge (replacing an earlier registration of the same RPC URL) and beats every
 * interval while the probe answers (src/registry/heartbeat.ts).
 */
export async function startEdgeHeartbeat(store: Store, info: EdgeInfo, options: HeartbeatOptions = {}): Promise<EdgeHeartbeat> {
  return startHeartbeat(store, {
    table: "edges",
    row: { rpc_url: info.rpcUrl, sip_address: info.sipAddress, region: info.region, version: info.version ?? trunklineVersion() },
    intervalSeconds: options.intervalSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    probe: options.probe,
    log: options.log ?? stderrLog("edge_registry"),
    noun: "edge",
    shortNoun: "edge",
    logFields: { edge: info.rpcUrl },
    registeredFields: { sip: info.sipAddress, region: info.region },
  });
}

/**
 * Every registered edge with its age; rows whose heartbeat is older than `forgetAfterSeconds`
 * are deleted first (any API process may do it).
 */
export async function listEdges(store: Store, forgetAfterSeconds = DEFAULT_FORGET_AFTER_SECONDS): Promise<RegisteredEdge[]> {
  const rows = await listRegistrations(store, "edges", forgetAfterSeconds);
  return rows.map(({ row, state: { id, ...state } }) => ({ id, rpcUrl: row.rpc_url, sipAddress: row.sip_address, region: row.region, ...state }));
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
  const rpc = new EdgeRpc(info.rpcUrl, 2000);
  return heartbeatOnOwnStore(
    config,
    (store) => startEdgeHeartbeat(store, info, { intervalSeconds: config.edgeHeartbeatSeconds, probe: () => rpc.call("core.uptime"), log: run.log }),
    () => rpc.close(),
  );
}
