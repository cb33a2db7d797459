import type { Config } from "../config.js";
import type { Destination } from "../domain/types.js";
import { listEdges } from "../edge/registry.js";
import type { EdgeRpc } from "../edge/rpc.js";
import type { Store } from "../store/db.js";

/** The edges a check talks to, and where that list came from (shown in the output). */
export interface EdgeTargets {
  urls: string[];
  source: string;
  /** Registered edges that stopped heartbeating: not checked, only mentioned. */
  down: string[];
}

/**
 * `--rpc URL` when given; else every live edge registered in the store plus
 * TRUNKLINE_EDGE_RPC_URLS (as the API server pushes to them); else the local default edge
 * (TRUNKLINE_EDGE_RPC, 127.0.0.1:5071).
 */
export async function edgeTargets(store: Store, config: Config, rpc: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<EdgeTargets> {
  if (rpc) return { urls: [rpc], source: "--rpc", down: [] };
  const registered = await listEdges(store, config.edgeForgetAfterSeconds);
  const live = registered.filter((e) => e.live).map((e) => e.rpcUrl);
  const down = registered.filter((e) => !e.live).map((e) => `${e.rpcUrl} (last heartbeat ${e.ageSeconds} s ago)`);
  const urls = [...new Set([...live, ...(config.edgeRpcUrls ?? [])])];
  if (urls.length) return { urls, source: live.length ? "registered in the store" : "TRUNKLINE_EDGE_RPC_URLS", down };
  return { urls: [`http://${env.TRUNKLINE_EDGE_RPC || "127.0.0.1:5071"}/RPC`], source: "default (no edge registered in the store)", down };
}

interface KamailioSocket {
  PROTO: string;
  ADDRLIST?: { ADDR?: string | string[] };
  NAME: string;
  PORT: string;
}

/**
 * The edge's SIP socket for `transport` ("udp:1.2.3.4:5060"), so the probe leaves from where
 * calls do. The JSON-RPC listener is a TCP socket too: it is the one on the RPC URL's port.
 * "." (Kamailio chooses) when the listing is not understood.
 */
export async function sipSocket(rpc: EdgeRpc, transport: Destination["transport"]): Promise<string> {
  try {
    const sockets = await rpc.call<KamailioSocket[]>("corex.list_sockets");
    const rpcPort = new URL(rpc.url).port || "80";
    const sip = sockets.filter((s) => s.PROTO === transport && !(s.PROTO === "tcp" && s.PORT === rpcPort));
    const chosen = sip[0];
    if (!chosen) return ".";
    const raw = chosen.ADDRLIST?.ADDR;
    const addr = (Array.isArray(raw) ? raw[0] : raw) ?? chosen.NAME;
    return `${transport}:${addr.includes(":") ? `[${addr}]` : addr}:${chosen.PORT}`;
  } catch {
    return ".";
  }
}

/** sip:host:port;transport=t, as the dispatcher addresses a destination. */
export function destinationUri(d: Pick<Destination, "host" | "port" | "transport">): string {
  const host = d.host.includes(":") ? `[${d.host}]` : d.host;
  return `sip:${host}:${d.port};transport=${d.transport}`;
}

export interface OptionsReply {
  code: number;
  reason: string;
  rttMs: number;
}

/**
 * Makes the edge send OPTIONS to `uri` and returns the reply with the round trip as seen from
 * here. tm.t_uac_wait answers the JSON-RPC request when the SIP reply arrives (a delayed reply);
 * t_uac_wait_block answered 408 for TCP destinations that had replied (Kamailio 5.6.3: it blocks
 * the JSON-RPC worker, itself a TCP worker). No answer within the edge's fr_timer comes back as
 * the edge's own 408.
 */
export async function probeOptions(rpc: EdgeRpc, uri: string, socket: string): Promise<OptionsReply> {
  const to = uri.replace(/;.*$/, "");
  const headers = `From: <sip:trunkline-check@trunkline.invalid>\r\nTo: <${to}>\r\n`;
  const started = performance.now();
  // [code, reason, ...] (jsonrpcs); some versions answer { code, text }.
  const reply = await rpc.call<unknown[] | { code?: unknown; text?: unknown }>("tm.t_uac_wait", ["OPTIONS", uri, ".", socket, headers]);
  const [code, reason] = Array.isArray(reply) ? reply : [reply.code, reply.text];
  return { code: Number(code ?? 0), reason: String(reason ?? ""), rttMs: Math.round(performance.now() - started) };
}

/**
 * Whether an OPTIONS reply shows the destination up: any reply it sent itself except a server
 * failure. 408 (no answer) and 477/478 (could not send) are the edge's own; 5xx/6xx mean it
 * would not take a call.
 */
export function answering(reply: OptionsReply, boundMs: number): boolean {
  if (reply.rttMs > boundMs) return false;
  if (reply.code >= 200 && reply.code < 300) return true;
  return reply.code >= 400 && reply.code < 500 && ![408, 477, 478].includes(reply.code);
}
