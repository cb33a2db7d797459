import type { ComponentLog } from "../log.js";
import { Poller } from "./poller.js";
import { DISPATCHER_SETS_PER_TRUNK, FALLBACK_SET_OFFSET } from "./projection.js";
import type { EdgeRpc } from "./rpc.js";

/**
 * Destination health as the control plane sees it. Each edge probes every destination with SIP
 * OPTIONS (dispatcher; template and docs/edge.md, "Destination health") and routes around the
 * ones it finds down. The API process reads each live edge's view with one `dispatcher.list` per
 * interval and keeps it in memory: no request ever waits on an edge.
 *
 * Merged over edges: a destination is `up` when at least one edge that probes it finds it up,
 * `down` when every such edge finds it down (then no edge can reach it: the operator's problem),
 * `unknown` when no edge reported it (none up, not read yet, or just added). /metrics has each
 * edge's own view (an edge that alone cannot reach a destination shows there).
 */

/** How often each edge's dispatcher list is read. */
export const HEALTH_INTERVAL_MS = 2000;

export type HealthState = "up" | "down" | "unknown";

/** One destination on one edge. */
export interface EdgeProbeState {
  /** The edge, by its registered SIP address (else its JSON-RPC URL). */
  edge: string;
  up: boolean;
  /** The last probe got no (acceptable) answer, but not yet enough of them in a row to mark it down. */
  failing: boolean;
  /** Round-trip time of the probes (dispatcher's latency estimate), ms; null before any answer. */
  rttMs: number | null;
}

export interface DestinationHealth {
  state: HealthState;
  /** Smallest over the edges finding it up (null: none). */
  rttMs: number | null;
  /** When the edges' state was last read (ISO 8601 UTC); null when no edge reported it. */
  checkedAt: string | null;
  edges: EdgeProbeState[];
}

/** What identifies a destination on both sides: its trunk and where it is. */
export interface DestinationRef {
  trunkSid: string;
  host: string;
  port: number;
  transport: string;
}

export const destinationKey = (d: DestinationRef): string => `${d.trunkSid} ${d.host.toLowerCase()}:${d.port};${d.transport.toLowerCase()}`;

/** A probed entry of one edge's dispatcher list. */
export interface ProbedEntry extends DestinationRef {
  key: string;
  /** Its dispatcher set and URI as the edge has them (for dispatcher.set_state). */
  setId: number;
  rawUri: string;
  /** `sip:host:port;transport=x`, without the trunk's sid. */
  uri: string;
  up: boolean;
  failing: boolean;
  rttMs: number | null;
}

interface ListTarget {
  DEST?: { URI?: string; FLAGS?: string; LATENCY?: { AVG?: number; EST?: number; MAX?: number } };
}
interface DispatcherList {
  RECORDS?: Array<{ SET?: { ID?: number; TARGETS?: ListTarget[] | ListTarget } }>;
}

/** sip:<trunk sid>@<host>:<port>[;transport=x], as the edge_dispatcher view writes it. */
const URI = /^sip:([^@]+)@(\[[^\]]+\]|[^:;]+):(\d+)(?:;transport=([a-z]+))?$/i;

/**
 * The probed entries of a `dispatcher.list` answer (the trunks' priority-level sets; the fallback
 * sets are never probed). FLAGS: A active, I inactive (down), D disabled, T trying (the last
 * probe failed), P probing.
 */
export function parseDispatcherList(list: unknown): ProbedEntry[] {
  const out: ProbedEntry[] = [];
  for (const record of (list as DispatcherList | null)?.RECORDS ?? []) {
    const id = Number(record.SET?.ID);
    if (!Number.isInteger(id) || id % DISPATCHER_SETS_PER_TRUNK === FALLBACK_SET_OFFSET) continue;
    const targets = record.SET?.TARGETS;
    for (const t of Array.isArray(targets) ? targets : targets ? [targets] : []) {
      const m = URI.exec(t.DEST?.URI ?? "");
      if (!m) continue;
      const [, trunkSid = "", rawHost = "", port = "", transport = "udp"] = m;
      const host = rawHost.replace(/^\[|\]$/g, "");
      const flags = t.DEST?.FLAGS ?? "";
      const latency = t.DEST?.LATENCY;
      const est = Number(latency?.EST ?? latency?.AVG ?? 0);
      const ref = { trunkSid, host, port: Number(port), transport: transport.toLowerCase() };
      out.push({
        ...ref,
        key: destinationKey(ref),
        setId: id,
        rawUri: t.DEST?.URI ?? "",
        uri: `sip:${rawHost}:${port}${ref.transport === "udp" ? "" : `;transport=${ref.transport}`}`,
        up: !/[ID]/.test(flags),
        failing: flags.includes("T"),
        // No answer yet: dispatcher's latency figures are all 0.
        rttMs: Number(latency?.MAX ?? 0) > 0 && est > 0 ? Math.round(est) : null,
      });
    }
  }
  return out;
}

/**
 * Runs `reload` (dispatcher.reload on `rpc`) keeping what the probes found: a reload forgets every
 * entry's state (Kamailio 5.6), which would send calls to destinations known down until their
 * probes fail again. The entries down before are marked down again after it (dispatcher.set_state
 * "ip": inactive, still probed, so they come back up by themselves). An entry that is gone, or
 * an edge that does not answer the list, is left to the probes.
 */
export async function reloadKeepingDown(rpc: EdgeRpc, reload: () => Promise<void>): Promise<void> {
  const down = await rpc.call("dispatcher.list").then(
    (list) => parseDispatcherList(list).filter((e) => !e.up),
    () => [] as ProbedEntry[],
  );
  await reload();
  for (const e of down) await rpc.call("dispatcher.set_state", ["ip", e.setId, e.rawUri]).catch(() => undefined);
}

export interface HealthCacheOptions {
  /** The edges to ask now (those not down): their JSON-RPC and the name they go by. */
  edges: () => Array<{ rpc: EdgeRpc; name: string }>;
  intervalMs?: number;
  log?: ComponentLog;
}

interface EdgeView {
  name: string;
  entries: Map<string, ProbedEntry>;
  readAt: string;
}

/** No edge reported the destination (or this process keeps no edges). */
export const UNKNOWN_HEALTH: DestinationHealth = { state: "unknown", rttMs: null, checkedAt: null, edges: [] };
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** Each live edge's destination states, refreshed every interval (see the top of this file). */
export class DestinationHealthCache extends Poller {
  private readonly views = new Map<string, EdgeView>();
  private readonly failing = new Set<string>();

  constructor(private readonly options: HealthCacheOptions) {
    super(options.intervalMs ?? HEALTH_INTERVAL_MS, "destination_health", options.log);
  }

  /** The destination's health merged over the edges, as of the last read. */
  of(d: DestinationRef): DestinationHealth {
    const key = destinationKey(d);
    const edges: EdgeProbeState[] = [];
    let checkedAt: string | null = null;
    for (const view of this.views.values()) {
      const e = view.entries.get(key);
      if (!e) continue;
      edges.push({ edge: view.name, up: e.up, failing: e.failing, rttMs: e.rttMs });
      if (checkedAt === null || view.readAt > checkedAt) checkedAt = view.readAt;
    }
    if (edges.length === 0) return UNKNOWN_HEALTH;
    const up = edges.filter((e) => e.up);
    const rtts = up.map((e) => e.rttMs).filter((r): r is number => r !== null);
    return { state: up.length > 0 ? "up" : "down", rttMs: rtts.length > 0 ? Math.min(...rtts) : null, checkedAt, edges };
  }

  /** Every probed destination on every edge (for /metrics), by edge then trunk then destination. */
  perEdge(): Array<{ edge: string; trunkSid: string; destination: string; up: boolean; rttMs: number | null }> {
    const out = [...this.views.values()].flatMap((v) => [...v.entries.values()].map((e) => ({ edge: v.name, trunkSid: e.trunkSid, destination: e.uri, up: e.up, rttMs: e.rttMs })));
    return out.sort((a, b) => (a.edge + a.trunkSid + a.destination < b.edge + b.trunkSid + b.destination ? -1 : 1));
  }

  /** One read of every edge. */
  protected async poll(): Promise<void> {
    const edges = this.options.edges();
    const urls = new Set(edges.map((e) => e.rpc.url));
    for (const url of this.views.keys()) if (!urls.has(url)) this.views.delete(url);
    await Promise.all(
      edges.map(async ({ rpc, name }) => {
        try {
          const list = await rpc.call("dispatcher.list").catch((error: unknown) => {
            // An edge with no destinations at all answers with an error ("No destination sets").
            if (error instanceof Error && /no destination/i.test(error.message)) return {};
            throw error;
          });
          const entries = new Map(parseDispatcherList(list).map((e) => [e.key, e]));
          this.views.set(rpc.url, { name, entries, readAt: isoSeconds(new Date()) });
          if (this.failing.delete(rpc.url)) this.log.info({ edge: rpc.url }, "destination health: the edge's dispatcher list is readable again");
        } catch (error) {
          // Its states are unknown now rather than stale.
          this.views.delete(rpc.url);
          if (!this.failing.has(rpc.url)) this.log.warn({ edge: rpc.url, err: (error as Error).message }, "destination health: reading the edge's dispatcher list failed");
          this.failing.add(rpc.url);
        }
      }),
    );
  }
}
