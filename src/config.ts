import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defaultRegions, RegionSet, type Region } from "./domain/regions.js";

/** Everything the process reads from its environment, in one place (README lists each). */
export interface Config {
  port: number;
  host: string;
  /** `postgres://...` or an SQLite file path. */
  databaseUrl: string;
  redisUrl: string | undefined;
  rateLimitPerMinute: number;
  /** 32-byte key as 64 hex chars or base64; else a key file is used. */
  secretKey: string | undefined;
  secretKeyFile: string;
  sipRealm: string;
  /** Exotel `domain_name` must end with this. */
  sipDomainSuffix: string;
  regions: RegionSet;
  demo: boolean;
  logLevel: string;
  /** Public base URL for absolute links (JSON:API links); default derived from the request. */
  publicUrl: string | undefined;
  /** PostgreSQL schema (search_path) for this process; several deployments can share one database. */
  pgSchema?: string | undefined;
  /** Prefix of every Redis key this deployment writes (rate-limit windows). */
  redisPrefix?: string;
  /** JSON-RPC URLs of SIP edges this process keeps in step besides the registered ones (TRUNKLINE_EDGE_RPC_URLS). */
  edgeRpcUrls?: string[];
  /** Region an edge registers itself in (TRUNKLINE_EDGE_REGION; default the default region). */
  edgeRegion?: string | undefined;
  /** How often an edge writes its heartbeat (TRUNKLINE_EDGE_HEARTBEAT_SECONDS, default 5). */
  edgeHeartbeatSeconds?: number;
  /** A down edge's registration is deleted after this long (TRUNKLINE_EDGE_FORGET_AFTER, seconds, default 86400). */
  edgeForgetAfterSeconds?: number;
  /** Call records older than this many days are pruned (TRUNKLINE_CALL_RETENTION_DAYS; 0, the default, keeps them forever). */
  callRetentionDays?: number;
  /** The built web console served at /console/ (TRUNKLINE_CONSOLE_DIR; default the package's dist/console). */
  consoleDir?: string;
}

/** dist/console of this package, from src/ (tsx) and dist/ (built) alike. */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL("../dist/console", import.meta.url));

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return n;
}

function loadRegions(raw: string | undefined): Region[] {
  if (!raw) return defaultRegions;
  const inline = raw.trim().startsWith("[");
  let parsed: Partial<Region>[];
  try {
    parsed = JSON.parse(inline ? raw : readFileSync(raw, "utf8")) as Partial<Region>[];
  } catch (e) {
    throw new Error(`TRUNKLINE_REGIONS must be a JSON array or the path of a file holding one (${inline ? "inline" : raw}): ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error("TRUNKLINE_REGIONS must be a non-empty JSON array");
  return parsed.map((r, i) => {
    if (!r.alias || typeof r.alias !== "string") throw new Error(`TRUNKLINE_REGIONS[${i}].alias is required`);
    return {
      alias: r.alias,
      name: r.name ?? r.alias,
      sidCode: (r.sidCode ?? r.alias.replace(/[^a-z]/g, "").slice(0, 3).padEnd(3, "x")).toLowerCase(),
      sipEdge: r.sipEdge ?? "127.0.0.1:5060",
      flowUri: r.flowUri ?? "sip:flow@127.0.0.1:5090",
    };
  });
}

/** TRUNKLINE_EDGE_REGION, when set, must name a configured region. */
function edgeRegion(env: NodeJS.ProcessEnv, regions: Region[]): string | undefined {
  const alias = env.TRUNKLINE_EDGE_REGION || undefined;
  if (alias !== undefined && !regions.some((r) => r.alias === alias)) {
    throw new Error(`TRUNKLINE_EDGE_REGION '${alias}' is not a configured region (${regions.map((r) => r.alias).join(", ")})`);
  }
  return alias;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const regions = loadRegions(env.TRUNKLINE_REGIONS);
  const heartbeat = int(env, "TRUNKLINE_EDGE_HEARTBEAT_SECONDS", 5);
  if (heartbeat < 1) throw new Error(`TRUNKLINE_EDGE_HEARTBEAT_SECONDS must be at least 1, got '${env.TRUNKLINE_EDGE_HEARTBEAT_SECONDS}'`);
  return {
    port: int(env, "PORT", 8080),
    host: env.HOST || "127.0.0.1",
    databaseUrl: env.DATABASE_URL || "./data/trunkline.db",
    redisUrl: env.REDIS_URL || undefined,
    rateLimitPerMinute: int(env, "TRUNKLINE_RATE_LIMIT_PER_MINUTE", 200),
    secretKey: env.TRUNKLINE_SECRET_KEY || undefined,
    secretKeyFile: env.TRUNKLINE_SECRET_KEY_FILE || "./data/secret.key",
    sipRealm: env.TRUNKLINE_SIP_REALM || "trunkline",
    sipDomainSuffix: env.TRUNKLINE_SIP_DOMAIN_SUFFIX || ".pstn.exotel.com",
    regions: new RegionSet(regions, env.TRUNKLINE_DEFAULT_REGION || (regions[0] as Region).alias),
    demo: env.TRUNKLINE_DEMO === "1" || env.TRUNKLINE_DEMO === "true",
    logLevel: env.LOG_LEVEL || "info",
    publicUrl: env.TRUNKLINE_PUBLIC_URL || undefined,
    pgSchema: env.TRUNKLINE_PG_SCHEMA || undefined,
    redisPrefix: env.TRUNKLINE_REDIS_PREFIX ?? "trunkline:",
    edgeRpcUrls: (env.TRUNKLINE_EDGE_RPC_URLS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    edgeRegion: edgeRegion(env, regions),
    edgeHeartbeatSeconds: heartbeat,
    edgeForgetAfterSeconds: int(env, "TRUNKLINE_EDGE_FORGET_AFTER", 86400),
    callRetentionDays: int(env, "TRUNKLINE_CALL_RETENTION_DAYS", 0),
    consoleDir: env.TRUNKLINE_CONSOLE_DIR || DEFAULT_CONSOLE_DIR,
  };
}
