import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isPostgresUrl } from "../store/db.js";
import { edgeSipAddress, tlsSocket, type EdgeOptions } from "./config.js";
import { CALL_COLUMNS, HOP_COLUMNS, NAME_PLACEHOLDERS } from "./projection.js";
import { TLS_CONFIG_NAME } from "./tls.js";

/** The template ships with the package (`edge/`), two levels above both src/edge and dist/edge. */
export const TEMPLATE_PATH = fileURLToPath(new URL("../../edge/kamailio.cfg.tmpl", import.meta.url));

/** Kamailio's spelling of the store's location. */
export function kamailioDbUrl(databaseUrl: string): string {
  if (isPostgresUrl(databaseUrl)) return databaseUrl.replace(/^postgresql:/, "postgres:").replace(/\?.*$/, "");
  return `sqlite://${resolve(databaseUrl.replace(/^sqlite:(\/\/)?/, ""))}`;
}

/**
 * The body of route[REC_CONNECT]: the record connection of a Kamailio process (the flush timer's,
 * and a worker's when it writes a record itself) is set up once ($var keeps its value across
 * messages in one process), not before every statement — per call that cost more than the INSERT
 * (bench:edge, docs/calls.md). SQLite: a busy timeout (db_sqlite sets none, so a write while the
 * API writes would fail at once instead of waiting its turn) and synchronous=NORMAL, as the API's
 * own connection: in WAL mode no fsync per commit; a crash of Kamailio or the API loses nothing
 * written, an OS crash may lose the last commits. PostgreSQL: synchronous_commit=off for this
 * connection only: a PostgreSQL crash may lose the last ~0.6 s of records (3 × wal_writer_delay).
 */
function recordConnect(options: EdgeOptions): string {
  const setup = isPostgresUrl(options.databaseUrl) ? ["SET synchronous_commit = off"] : ["PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL"];
  return `\tif ($var(rec_ready) == 1) return;\n${setup.map((q) => `\tsql_query("rec", "${q}");\n`).join("")}\t$var(rec_ready) = 1;`;
}

/**
 * Batching of call records (route[REC_FLUSH]): a statement takes at most this many queue items and
 * about this many bytes of rows (a record is ~0.5 KB; pv_buffer_size in the template is 64 KB),
 * and a timer tick at most REC_STATEMENTS statements; the rest waits for the next tick.
 */
const REC_BATCH_ITEMS = 64;
const REC_BATCH_BYTES = 32000;
const REC_STATEMENTS = 16;

/** The placeholders of call recording (docs/calls.md, "When a record is written"). */
function recordValues(options: EdgeOptions): Record<string, string> {
  const pg = isPostgresUrl(options.databaseUrl);
  return {
    CALL_COLUMNS: CALL_COLUMNS.join(", "),
    HOP_COLUMNS: HOP_COLUMNS.join(", "),
    REC_OFF: options.recordCalls === false ? "\t# Call records off (a benchmark's baseline).\n\treturn;" : "",
    REC_CONNECT: recordConnect(options),
    // IMMEDIATE: SQLite takes the write lock at BEGIN, waiting out the busy timeout there.
    REC_BEGIN: pg ? "BEGIN" : "BEGIN IMMEDIATE",
    REC_FLUSH_US: String(options.recordFlushMs * 1000),
    REC_RETRY_TICKS: String(Math.max(1, Math.round(1000 / options.recordFlushMs))),
    REC_QUEUE_MAX: String(options.recordQueueMax),
    REC_BATCH_ITEMS: String(REC_BATCH_ITEMS),
    REC_BATCH_BYTES: String(REC_BATCH_BYTES),
    REC_STATEMENTS: String(REC_STATEMENTS),
  };
}

/** Config-file strings are double-quoted; nothing rendered may break out of them. */
function quoted(value: string, name: string): string {
  if (/["\\\r\n]/.test(value)) throw new Error(`${name} must not contain quotes, backslashes or line breaks: ${value}`);
  return value;
}

/**
 * SDES crypto suites rtpengine 10.5 offers besides the two of RFC 4568 that every SDES-SRTP
 * implementation has: the NULL ones do not encrypt (a secure trunk's media would be readable), and
 * the AEAD/192/256/F8 ones are where PBXs disagree (baresip picks AEAD_AES_256_GCM and then drops
 * every packet). Only AES_CM_128_HMAC_SHA1_80 and _32 are offered.
 */
const SDES_LEFT_OUT = [
  "AEAD_AES_256_GCM", "AEAD_AES_128_GCM", "AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32", "AES_192_CM_HMAC_SHA1_80",
  "AES_192_CM_HMAC_SHA1_32", "F8_128_HMAC_SHA1_80", "F8_128_HMAC_SHA1_32", "NULL_HMAC_SHA1_80", "NULL_HMAC_SHA1_32",
];

/**
 * rtpengine flags of every offer and answer, before the leg's protocol (RTP/AVP or RTP/SAVP): both
 * sides see only the relay's address (o= and c=), ICE candidates (the endpoints' own addresses) are
 * removed, and SDES keys are padded base64 (RFC 4568 writes them so; some PBXs fail on unpadded ones).
 */
export const MEDIA_FLAGS = ["replace-origin", "replace-session-connection", "ICE=remove", "SDES-pad", ...SDES_LEFT_OUT.map((s) => `SDES-no-${s}`)].join(" ");

/**
 * The media placeholders: `#!define WITH_MEDIA` switches anchoring (and the NAT handling and
 * topology hiding that come with it) on. The rtpengine set lists every relay; topoh's key is
 * derived from the edge's identity, so it is the same after a restart (calls up keep working) and
 * differs between edges.
 */
function mediaValues(options: EdgeOptions): Record<string, string> {
  const media = options.media;
  const sock = (a: { host: string; port: number }) => (a.host.includes(":") ? `udp6:[${a.host}]:${a.port}` : `udp:${a.host}:${a.port}`);
  const edgeId = edgeSipAddress(options);
  return {
    MEDIA_DEFINE: media ? "#!define WITH_MEDIA" : "# Media: signalling only (TRUNKLINE_MEDIA=off, or no TRUNKLINE_MEDIA_NG): SDP passes untouched.",
    MEDIA_NG: media ? media.ng.map(sock).join(" ") : "",
    MEDIA_RETRY: String(media?.retrySeconds ?? 5),
    MEDIA_FLAGS,
    TOPOH_KEY: createHash("sha256").update(`trunkline-topoh|${edgeId}|${options.realm}`).digest("hex").slice(0, 32),
    TOPOH_IP: quoted(options.advertise?.host ?? options.sipAddress, "edge address"),
  };
}

export function renderConfig(options: EdgeOptions, template = readFileSync(TEMPLATE_PATH, "utf8")): string {
  const flows = options.regions
    .map((r) => `\t$sht(regions=>${quoted(r.alias, "region alias")}) = "${quoted(r.flowUri, "flowUri")}";`)
    .join("\n");
  const tls = tlsSocket(options);
  const ad = options.advertise;
  const g = options.guard;
  const values: Record<string, string> = {
    LOG_LEVEL: String(options.logLevel),
    CHILDREN: String(options.children),
    SIP_ADDR: options.sipAddress,
    SIP_PORT: String(options.sipPort),
    TLS_ADDR: tls.address,
    TLS_PORT: String(tls.port),
    TLS_CONFIG: TLS_CONFIG_NAME,
    RPC_ADDR: options.rpcAddress,
    RPC_PORT: String(options.rpcPort),
    MODULE_PATH: quoted(options.modulePath, "module path"),
    DB_MODULE: isPostgresUrl(options.databaseUrl) ? "db_postgres.so" : "db_sqlite.so",
    DB_URL: quoted(kamailioDbUrl(options.databaseUrl), "database URL"),
    FR_TIMER_MS: String(options.frTimerMs),
    MAX_SUBNETS: String(options.maxSubnets),
    NUMBERS_SIZE: String(options.numbersSize),
    TRUNKS_SIZE: String(options.trunksSize),
    REALM: quoted(options.realm, "realm"),
    REGION_FLOW_URIS: flows,
    // The TLS socket is advertised on the same public host, at its own port.
    SIP_ADVERTISE: ad ? ` advertise ${ad.host}:${ad.port ?? options.sipPort}` : "",
    TLS_ADVERTISE: ad ? ` advertise ${ad.host}:${tls.port}` : "",
    BAN_AFTER: String(g.banAfter),
    BAN_WINDOW: String(g.banWindowSeconds),
    BAN_SECONDS: String(g.banSeconds),
    PIKE_DENSITY: String(g.pikeDensity),
    PIKE_UNIT: String(g.pikeUnitSeconds),
    // pike forgets an address after this much silence; a sampling unit's worth at least.
    PIKE_LATENCY: String(Math.max(10, g.pikeUnitSeconds * 5)),
    MAX_MESSAGE: String(options.maxMessageBytes),
    // Call records (docs/calls.md): the edge's id in them is its SIP address as registered.
    EDGE_ID: quoted(edgeSipAddress(options), "edge SIP address").replace(/'/g, ""),
    ...recordValues(options),
    PROBE_INTERVAL: String(options.probe.intervalSeconds),
    PROBE_DOWN_AFTER: String(options.probe.downAfter),
    PROBE_UP_AFTER: String(options.probe.upAfter),
    ...mediaValues(options),
    ...NAME_PLACEHOLDERS,
  };
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`kamailio template: unknown placeholder {{${name}}}`);
    return value;
  });
}

/**
 * Environment for the Kamailio process. db_postgres has no schema setting, but libpq reads
 * PGOPTIONS, so every connection it opens starts in the store's schema.
 */
export function kamailioEnv(options: EdgeOptions, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  if (options.pgSchema && isPostgresUrl(options.databaseUrl)) env.PGOPTIONS = `-c search_path=${options.pgSchema.replace(/[^A-Za-z0-9_]/g, "")}`;
  return env;
}
