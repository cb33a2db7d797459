import { existsSync } from "node:fs";
import { arch } from "node:os";
import type { Config } from "../config.js";
import type { Region } from "../domain/regions.js";
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
 * TRUNKLINE_EDGE_TLS_CA (default Debian's CA bundle).
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
    default:
      throw new Error(`unknown option '${flag}'`);
  }
}
