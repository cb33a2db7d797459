import { existsSync } from "node:fs";
import { arch } from "node:os";
import type { Config } from "../config.js";
import type { Region } from "../domain/regions.js";
import { parseUdpAddress } from "../media/address.js";
import { isPostgresUrl } from "../store/db.js";

/** Everything the edge's Kamailio config is rendered from. */
export interface EdgeOptions {
  /** The control plane's store: an SQLite file path or a postgres:// URL. */
  databaseUrl: string;
  /** PostgreSQL schema holding the store (search_path for Kamailio's connections). */
  pgSchema: string | undefined;
  sipAddress: string;
  sipPort: number;
  /** JSON-RPC over HTTP for the reloader; keep it on loopback. */
  rpcAddress: string;
  rpcPort: number;
  realm: string;
  regions: Region[];
  children: number;
  /** Time a destination has to answer before failing over (tm fr_timer). */
  frTimerMs: number;
  maxSubnets: number;
  /** htable sizes as powers of two (slots = 2^n). */
  numbersSize: number;
  trunksSize: number;
  /** Kamailio debug level (-3..3, 1 = warnings and errors). */
  logLevel: number;
  modulePath: string;
  tls: EdgeTlsOptions;
  /** Public address behind NAT named in Via, Record-Route and Contact instead of the listen address (Kamailio's `advertise`). */
  advertise: { host: string; port: number | undefined } | undefined;
  /** Scanners and floods from addresses in no trunk's ACL. */
  guard: EdgeGuardOptions;
  /** Longer requests get 513 Message Too Large (RFC 3261 21.5.14). */
  maxMessageBytes: number;
  /** false: the edge keeps its call bookkeeping but writes no record (bench:edge's baseline only; default true). */
  recordCalls?: boolean;
  /** Call records are queued in shared memory and written every this many ms (TRUNKLINE_CALL_RECORD_FLUSH_MS, default 100; docs/calls.md). */
  recordFlushMs: number;
  /** Records the queue holds at most while the store cannot be written; more are dropped and counted (TRUNKLINE_CALL_RECORD_QUEUE_MAX, default 20,000). */
  recordQueueMax: number;
  /** Destination health: SIP OPTIONS probes (docs/edge.md, "Destination health"). */
  probe: EdgeProbeOptions;
  /** Media anchoring through rtpengine (docs/media.md); undefined: signalling only, SDP untouched. */
  media?: EdgeMediaOptions;
}

/** The media relays the edge anchors every call's RTP through (Kamailio's rtpengine set). */
export interface EdgeMediaOptions {
  /** rtpengine ng control addresses, one set: calls are spread over those that answer. */
  ng: Array<{ host: string; port: number }>;
  /** Seconds a relay that did not answer is left alone before it is tried again. */
  retrySeconds: number;
}

/** OPTIONS probing of destinations (dispatcher). */
export interface EdgeProbeOptions {
  /** Seconds between probes of each destination; 0: no probing (every destination stays up). */
  intervalSeconds: number;
  /** Consecutive failed probes that mark a destination down... */
  downAfter: number;
  /** ...and consecutive answered ones that bring it back up. */
  upAfter: number;
}

/** Thresholds of the ban list and of pike's flood detection (docs/edge.md, "Scanners"). */
export interface EdgeGuardOptions {
  /** Failed authentications from one address that ban it... */
  banAfter: number;
  /** ...each within this many seconds of the previous one. */
  banWindowSeconds: number;
  /** How long a ban lasts (the address gets no answer meanwhile). */
  banSeconds: number;
  /** pike: requests allowed per `pikeUnitSeconds` from one address before it is banned as a flood. */
  pikeDensity: number;
  pikeUnitSeconds: number;
}

/** SIP over TLS: the edge's TLS socket, its certificate, and how it checks destinations'. */
export interface EdgeTlsOptions {
  /** Unset: the SIP address at the SIP port + 1 (see tlsSocket). */
  listen: { address: string; port: number } | undefined;
  /** Server certificate and private key (PEM files); unset: a self-signed pair generated once in `dir`. */
  files: { cert: string; key: string } | undefined;
  dir: string;
  /** Verify destinations' certificates against `caFile`. Off by default: PBXs commonly use self-signed ones. */
  verify: boolean;
  caFile: string;
}

function hostPort(raw: string, name: string): [string, number] {
  const m = /^([^:]+):(\d+)$/.exec(raw);
  if (!m) throw new Error(`${name} must be host:port, got '${raw}'`);
  return [m[1] as string, Number(m[2])];
}

/** A positive whole number from the environment, or the default; anything else names the variable. */
function count(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new Error(`${name} must be a positive whole number, got '${raw}'`);
  return Number(raw);
}

/** host[:port]; a bracketed IPv6 address may carry a port too. */
function advertised(raw: string | undefined, name: string): EdgeOptions["advertise"] {
  if (!raw) return undefined;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(raw.trim());
  if (!m || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) throw new Error(`${name} must be host or host:port, got '${raw}'`);
  return { host: m[1] as string, port: m[2] === undefined ? undefined : Number(m[2]) };
}

function guardOptions(env: NodeJS.ProcessEnv): EdgeGuardOptions {
  return {
    banAfter: count(env, "TRUNKLINE_EDGE_BAN_AFTER", 5),
    banWindowSeconds: count(env, "TRUNKLINE_EDGE_BAN_WINDOW", 60),
    banSeconds: count(env, "TRUNKLINE_EDGE_BAN_SECONDS", 900),
    pikeDensity: count(env, "TRUNKLINE_EDGE_PIKE_DENSITY", 30),
    pikeUnitSeconds: count(env, "TRUNKLINE_EDGE_PIKE_UNIT", 2),
  };
}

function probeOptions(env: NodeJS.ProcessEnv): EdgeProbeOptions {
  const raw = env.TRUNKLINE_EDGE_PROBE_INTERVAL;
  // 0 switches probing off; anything else must be a positive whole number.
  const off = raw !== undefined && raw.trim() === "0";
  return {
    intervalSeconds: off ? 0 : count(env, "TRUNKLINE_EDGE_PROBE_INTERVAL", 10),
    downAfter: count(env, "TRUNKLINE_EDGE_PROBE_DOWN_AFTER", 3),
    upAfter: count(env, "TRUNKLINE_EDGE_PROBE_UP_AFTER", 2),
  };
}

/** The rtpengine ng port when TRUNKLINE_MEDIA=rtpengine names no TRUNKLINE_MEDIA_NG (rtpengine's usual one). */
export const DEFAULT_MEDIA_NG = "127.0.0.1:2223";

/**
 * TRUNKLINE_MEDIA (`rtpengine` | `off`) and TRUNKLINE_MEDIA_NG (`ip:port[,ip:port...]`): media is
 * anchored when relays are named (or TRUNKLINE_MEDIA=rtpengine asks for the local one), never
 * when TRUNKLINE_MEDIA=off.
 */
export function mediaOptions(env: NodeJS.ProcessEnv): EdgeMediaOptions | undefined {
  const mode = (env.TRUNKLINE_MEDIA ?? "").trim().toLowerCase();
  if (mode !== "" && mode !== "rtpengine" && mode !== "off") throw new Error(`TRUNKLINE_MEDIA must be rtpengine or off, got '${env.TRUNKLINE_MEDIA}'`);
  const raw = (env.TRUNKLINE_MEDIA_NG ?? "").trim();
  if (mode === "off" || (mode === "" && raw === "")) return undefined;
  const ng = (raw || DEFAULT_MEDIA_NG).split(",").map((item) => parseUdpAddress(item, "each TRUNKLINE_MEDIA_NG address"));
  return { ng, retrySeconds: count(env, "TRUNKLINE_MEDIA_RETRY_SECONDS", 5) };
}

/** The edge's SIP address, ip:port, as callers are told to use it: the advertised address behind NAT, else the listen address. */
export function edgeSipAddress(options: Pick<EdgeOptions, "advertise" | "sipAddress" | "sipPort">): string {
  const host = (h: string) => (h.includes(":") ? `[${h}]` : h);
  const ad = options.advertise;
  return ad ? `${host(ad.host)}:${ad.port ?? options.sipPort}` : `${host(options.sipAddress)}:${options.sipPort}`;
}

/** The TLS listen address: as configured, else next to the SIP socket (port + 1). */
export function tlsSocket(options: EdgeOptions): { address: string; port: number } {
  return options.tls.listen ?? { address: options.sipAddress, port: options.sipPort + 1 };
}

function onOff(raw: string | undefined, name: string): boolean {
  const value = (raw ?? "").trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["", "0", "false", "no", "off"].includes(value)) return false;
  // A typo must not silently turn certificate verification off.
  throw new Error(`${name} must be 1 or 0, got '${raw}'`);
}

function tlsOptions(env: NodeJS.ProcessEnv): EdgeTlsOptions {
  const cert = env.TRUNKLINE_EDGE_TLS_CERT || undefined;
  const key = env.TRUNKLINE_EDGE_TLS_KEY || undefined;
  if (key && !cert) throw new Error("TRUNKLINE_EDGE_TLS_KEY is set without TRUNKLINE_EDGE_TLS_CERT");
  let listen: EdgeTlsOptions["listen"];
  if (env.TRUNKLINE_EDGE_TLS_LISTEN) {
    const [address, port] = hostPort(env.TRUNKLINE_EDGE_TLS_LISTEN, "TRUNKLINE_EDGE_TLS_LISTEN");
    listen = { address, port };
  }
  return {
    listen,
    // One PEM file may hold both the certificate and its key.
    files: cert ? { cert, key: key ?? cert } : undefined,
    dir: env.TRUNKLINE_EDGE_TLS_DIR || "./data/edge-tls",
    verify: onOff(env.TRUNKLINE_EDGE_TLS_VERIFY, "TRUNKLINE_EDGE_TLS_VERIFY"),
    caFile: env.TRUNKLINE_EDGE_TLS_CA || "/etc/ssl/certs/ca-certificates.crt",
  };
}

/** Where Debian (and most distributions) install Kamailio's modules. */
export function defaultModulePath(): string {
  const triplet = arch() === "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  const candidates = [`/usr/lib/${triplet}/kamailio/modules`, "/usr/lib/kamailio/modules", "/usr/lib64/kamailio/modules", "/usr/local/lib64/kamailio/modules"];
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

export function kamailioModulePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRUNKLINE_KAMAILIO_MODULES || defaultModulePath();
}

/**
 * From the process config plus TRUNKLINE_EDGE_* variables: TRUNKLINE_EDGE_LISTEN (SIP, udp and
 * tcp, default 127.0.0.1:5060), TRUNKLINE_EDGE_RPC (default 127.0.0.1:5071),
 * TRUNKLINE_EDGE_CHILDREN (default 8), TRUNKLINE_EDGE_FR_TIMER_MS (default 3000),
 * TRUNKLINE_KAMAILIO_MODULES, and the TLS ones: TRUNKLINE_EDGE_TLS_LISTEN (default the SIP
 * address, port + 1), TRUNKLINE_EDGE_TLS_CERT / _KEY (default a self-signed pair in
 * TRUNKLINE_EDGE_TLS_DIR, ./data/edge-tls), TRUNKLINE_EDGE_TLS_VERIFY (default 0) and
 * TRUNKLINE_EDGE_TLS_CA (default Debian's CA bundle); TRUNKLINE_EDGE_ADVERTISE (host[:port]
 * behind NAT); the scanner guard's TRUNKLINE_EDGE_BAN_AFTER (5), _BAN_WINDOW (60 s),
 * _BAN_SECONDS (900) and TRUNKLINE_EDGE_PIKE_DENSITY (30) / _PIKE_UNIT (2 s); destination
 * probing's TRUNKLINE_EDGE_PROBE_INTERVAL (10 s, 0 = off), _PROBE_DOWN_AFTER (3), _PROBE_UP_AFTER (2);
 * call recording's TRUNKLINE_CALL_RECORD_FLUSH_MS (100) and TRUNKLINE_CALL_RECORD_QUEUE_MAX (20,000).
 */
export function edgeOptions(config: Config, env: NodeJS.ProcessEnv = process.env): EdgeOptions {
  const [sipAddress, sipPort] = hostPort(env.TRUNKLINE_EDGE_LISTEN || "127.0.0.1:5060", "TRUNKLINE_EDGE_LISTEN");
  const [rpcAddress, rpcPort] = hostPort(env.TRUNKLINE_EDGE_RPC || "127.0.0.1:5071", "TRUNKLINE_EDGE_RPC");
  return {
    databaseUrl: config.databaseUrl,
    pgSchema: isPostgresUrl(config.databaseUrl) ? config.pgSchema : undefined,
    sipAddress,
    sipPort,
    rpcAddress,
    rpcPort,
    realm: config.sipRealm,
    regions: config.regions.regions,
    children: Number(env.TRUNKLINE_EDGE_CHILDREN || 8),
    frTimerMs: Number(env.TRUNKLINE_EDGE_FR_TIMER_MS || 3000),
    maxSubnets: 65536,
    numbersSize: 18,
    trunksSize: 16,
    logLevel: 1,
    modulePath: kamailioModulePath(env),
    tls: tlsOptions(env),
    advertise: advertised(env.TRUNKLINE_EDGE_ADVERTISE, "TRUNKLINE_EDGE_ADVERTISE"),
    guard: guardOptions(env),
    maxMessageBytes: 32768,
    probe: probeOptions(env),
    media: mediaOptions(env),
    recordFlushMs: count(env, "TRUNKLINE_CALL_RECORD_FLUSH_MS", 100),
    recordQueueMax: count(env, "TRUNKLINE_CALL_RECORD_QUEUE_MAX", 20000),
  };
}

/** Applies `--listen`, `--tls-listen`, `--rpc`, `--children` style overrides from the command line. */
export function withOverride(options: EdgeOptions, flag: string, value: string): EdgeOptions {
  switch (flag) {
    case "--listen": {
      const [sipAddress, sipPort] = hostPort(value, "--listen");
      return { ...options, sipAddress, sipPort };
    }
    case "--tls-listen": {
      const [address, port] = hostPort(value, "--tls-listen");
      return { ...options, tls: { ...options.tls, listen: { address, port } } };
    }
    case "--rpc": {
      const [rpcAddress, rpcPort] = hostPort(value, "--rpc");
      return { ...options, rpcAddress, rpcPort };
    }
    case "--children":
      return { ...options, children: Number(value) };
    case "--realm":
      return { ...options, realm: value };
    case "--advertise":
      return { ...options, advertise: advertised(value, "--advertise") };
    default:
      throw new Error(`unknown option '${flag}'`);
  }
}
