import { sql, type Kysely } from "kysely";
import type { Change } from "../services/changeFeed.js";
import type { Engine } from "../store/engine.js";

/**
 * The edge contract, in one place: every table, view and htable the Kamailio template
 * (`edge/kamailio.cfg.tmpl`) reads, the keys and values in each htable, the SQL of every view
 * for both engines, and the other names the API and the template share (statistics, shared
 * variables, socket names: NAME_PLACEHOLDERS). With the template, this file answers "what does
 * the edge read, and what does it do with it?". test/unit/edgeContract.test.ts fails when the
 * template and this file disagree.
 *
 * The views are recreated from here on every start, after the migrations (applyProjection): a
 * change to a view is an edit of this file, not a new migration. Tables (data that is stored, not
 * derived) still come from migrations: `version` and `edge_countries` (002, 003), `edges` (004),
 * and the call records the edge writes, `calls` and `call_hops` (005, their media columns 008; WRITTEN_TABLES).
 */

// ---- htables --------------------------------------------------------------------------------

/**
 * htables loaded from a view (`dbtable=`). `scope` is the view column a set of keys belongs to:
 * the reloader diffs a changed trunk's or account's keys against what it pushed before. Key and
 * value formats are what the template's `$sht(...)` lookups expect.
 */
export const HTABLES = {
  numbers: {
    view: "edge_numbers",
    scope: "trunk_id",
    key: "called number, digits only (no '+')",
    value: "<trunk id>:<pstn|flow>",
  },
  trunks: {
    view: "edge_trunk_keys",
    scope: "trunk_id",
    key: "<trunk id>::<attribute> (TRUNK_KEYS)",
    value: "per attribute (TRUNK_KEYS)",
  },
  routes: {
    view: "edge_routes",
    scope: "account_sid",
    key: "<account sid>::<route prefix>, or <account sid>::*1 / ::*2 (the first two trunks without prefixes)",
    value: "<trunk id> carrying the call out",
  },
} as const;

/** htables the reloader keeps in step key by key. */
export type HtableName = keyof typeof HTABLES;
export const HTABLE_NAMES = Object.keys(HTABLES) as HtableName[];

/** htables loaded from a view but only reloaded whole (their rows change with the library, not the API). */
export const STATIC_HTABLES = {
  countries: {
    view: "edge_country_keys",
    key: "<ISO country>::<cc|np|tp|re> (COUNTRY_KEYS)",
    value: "per attribute (COUNTRY_KEYS)",
  },
} as const;

/**
 * htables with no table behind them, filled by the template itself. An htable the template
 * declares without `dbtable` (a ban list, counters) must be named here too.
 */
export const MEMORY_HTABLES = {
  regions: { what: "region alias -> flow application URI, written at start from TRUNKLINE_REGIONS" },
  bans: { what: "source IP -> why it is banned (no answer until autoexpire, TRUNKLINE_EDGE_BAN_SECONDS); read by edgeBans (bans.ts)" },
  authfails: { what: "source IP -> failed authentications, forgotten TRUNKLINE_EDGE_BAN_WINDOW s after the last; TRUNKLINE_EDGE_BAN_AFTER bans" },
} as const satisfies Record<string, { what: string }>;
export type MemoryHtableName = keyof typeof MEMORY_HTABLES;

/** Module reloads: permissions and dispatcher only reload whole (over JSON-RPC). */
export const MODULE_RELOADS = {
  permissions: "permissions.addressReload",
  dispatcher: "dispatcher.reload",
} as const;
export type ReloadedModule = keyof typeof MODULE_RELOADS;

/**
 * What a committed change of each kind requires of a running edge: the htables whose keys in the
 * change's scope (its trunk, or its account for `routes`) are re-read and pushed, and the modules
 * to reload. Credentials need nothing: auth_db reads `edge_subscriber` on every request.
 */
export const CHANGE_EFFECTS: Record<Change["kind"], { htables: HtableName[]; reload: ReloadedModule[] }> = {
  trunk: { htables: ["numbers", "trunks", "routes"], reload: ["permissions", "dispatcher"] },
  phone_number: { htables: ["numbers"], reload: [] },
  whitelisted_ip: { htables: [], reload: ["permissions"] },
  // A trunk's `::ds` key lists its dispatcher sets.
  destination: { htables: ["trunks"], reload: ["dispatcher"] },
  setting: { htables: ["trunks"], reload: [] },
  credential: { htables: [], reload: [] },
};

/** The attribute keys of htable `trunks`: `<trunk id>::<name>`. */
export const TRUNK_KEYS = {
  acct: "account sid (selects the account's routes for calls out)",
  region: "region alias (selects the flow URI)",
  maxch: "max_channels; absent: unlimited",
  ctry: "inbound country, present only with national dialing (dial string of calls out)",
  inctry: "inbound country (normalises called numbers received in national format)",
  pfx: "outbound_dial_string_prefix",
  plus: "'1' when the dial string gets a leading '+'",
  alias: "caller id for calls out (trunk_external_alias / default_sender)",
  ds: "the trunk's dispatcher sets in priority order, as ds_select_routes rules: '<set>=11;<set>=11'",
  srtp: "'1' when a destination of the trunk uses TLS (secure_trunking enabled): its leg's media is SDES-SRTP (RTP/SAVP), never plain RTP",
  dsall: "the trunk's fallback set, every destination in priority order, used when all are down by their probes: '<set>=8'",
} as const;
export type TrunkKey = keyof typeof TRUNK_KEYS;

export const trunkKey = (trunkId: number | string, name: TrunkKey): string => `${trunkId}::${name}`;
export const routeKey = (accountSid: string, prefix: string): string => `${accountSid}::${prefix}`;
export const numberKey = (e164: string): string => e164.replace(/^\+/, "");

/** The attribute keys of htable `countries`: `<ISO country>::<name>`. */
export const COUNTRY_KEYS = {
  cc: "calling_code",
  np: "national_prefix",
  tp: "trunk_prefix",
  re: "pattern",
} as const;

/** A trunk has at most this many destinations' priority levels; its dispatcher sets are trunk id × 64 + level. */
export const DISPATCHER_SETS_PER_TRUNK = 64;
/** dispatcher's destination flag DS_NODNSARES_DST: the host is resolved when a call is routed, not when the list loads. */
export const DS_NO_DNS_AT_LOAD = 16;
/** dispatcher's destination flag DS_PROBING_DST: probed with OPTIONS (ds_probing_mode 3 probes only flagged entries). */
export const DS_PROBED = 8;
/**
 * Set trunk id × 64 + 0 (priority levels start at 1) is the trunk's fallback: every destination,
 * never probed (so never down), in priority order (algorithm 8). Routing uses it only when every
 * destination of the trunk is down by its probes: a probe never blackholes a trunk.
 */
export const FALLBACK_SET_OFFSET = 0;
/** The listen names (`listen=... name "..."`) of the edge's SIP sockets, per transport: probes leave from them (attr `sockname`, built in edge_dispatcher as prefix || transport). */
const SIP_SOCKET_PREFIX = "sip_";
export const SIP_SOCKET_NAMES = { udp: `${SIP_SOCKET_PREFIX}udp`, tcp: `${SIP_SOCKET_PREFIX}tcp`, tls: `${SIP_SOCKET_PREFIX}tls` } as const;

// ---- statistics and shared variables ----------------------------------------------------------

/**
 * Kamailio statistics the template keeps for call records (modparam statistics `variable`,
 * `$stat`, `update_stat`), read by the API with RPC stats.get_statistics (recordDrain.ts, /metrics).
 */
export const RECORD_STATS = {
  /** Records waiting in the shared-memory queue now. */
  queued: "records_queued",
  /** Records written since the edge started. */
  written: "records_written",
  /** Records dropped because the queue was full (the store could not be written for long). */
  dropped: "records_dropped",
  /** Flushes of the queue that failed and were retried. */
  flushFailures: "record_flush_failures",
} as const;
export type RecordStat = keyof typeof RECORD_STATS;

/** Shared variables (`$shv`, modparam pv shvset) the API sets over RPC pv.shvSet. */
export const SHARED_VARS = {
  /** 1: each worker writes its call records at once instead of queueing them (set before a graceful stop, recordDrain.ts). */
  recordSync: "rec_sync",
} as const;

const upperSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/**
 * The template writes none of these names itself, only their placeholders (filled by render.ts):
 * {{STAT_QUEUED}} for RECORD_STATS.queued, {{SHV_RECORD_SYNC}}, {{SOCKET_UDP}}, ... — a name
 * changed here is changed on the edge too. test/unit/edgeContract.test.ts fails on a literal one.
 */
export const NAME_PLACEHOLDERS: Readonly<Record<string, string>> = Object.fromEntries(
  (
    [
      ["STAT", RECORD_STATS],
      ["SHV", SHARED_VARS],
      ["SOCKET", SIP_SOCKET_NAMES],
    ] as const
  ).flatMap(([prefix, names]) => Object.entries(names).map(([key, name]) => [`${prefix}_${upperSnake(key)}`, name])),
);

// ---- tables and views -----------------------------------------------------------------------

/** Tables the edge reads that hold data (made by migrations). */
export const TABLES = {
  version: "schema versions Kamailio checks at start, one row per table or view it reads",
  edge_countries: "national dialing rules per country, from libphonenumber (syncCountryRules)",
} as const;

/**
 * Tables the edge WRITES (made by migration 005): one `calls` row per call attempt that reached a
 * final answer and one `call_hops` row per failed destination before it, each inserted by the
 * template (sqlops) when the call ends. See docs/calls.md.
 */
export const WRITTEN_TABLES = {
  calls: "call records, one per attempt with a final answer (route RECORD_CALL)",
  call_hops: "failover hops of a call, one per destination that failed before the last (route RECORD_CALL)",
} as const;

/**
 * The columns of the template's INSERT INTO calls ({{CALL_COLUMNS}}), in the order its VALUES
 * are built (route REC_ROW, then the outcome). Every other column takes its default.
 */
export const CALL_COLUMNS = [
  "sid", "account_sid", "trunk_in_id", "trunk_out_id", "direction", "from_number", "to_number", "dial_string", "phone_number",
  "edge_id", "call_id", "started_at", "destination_first", "destination", "attempts", "ring_ms",
  "status", "sip_code", "sip_reason", "answered_at", "ended_at", "duration",
  "media_relay", "media_packets", "media_bytes", "media_errors",
] as const;
/** The columns of INSERT INTO call_hops ({{HOP_COLUMNS}}), in the order of route REC_HOP's values. */
export const HOP_COLUMNS = ["call_sid", "hop", "destination", "sip_code", "sip_reason", "at"] as const;

/** Row shape of a view an htable loads. */
type HtableRow = { key_name: string; key_type: number; value_type: number; key_value: string; expires: number };

/** Typed reads of the projection (Kysely's withTables wants type aliases, not interfaces). */
export type EdgeViews = {
  edge_countries: { country: string; calling_code: string; national_prefix: string; trunk_prefix: string; pattern: string };
  edge_trunk_keys: HtableRow & { trunk_id: number; account_sid: string };
  edge_numbers: HtableRow & { trunk_id: number };
  edge_routes: HtableRow & { account_sid: string };
  edge_country_keys: HtableRow;
  // The columns of the module views that `trunkline check` compares with an edge's memory.
  edge_address: { grp: number; ip_addr: string; mask: number };
  edge_dispatcher: { setid: number; destination: string };
};

export interface ViewDefinition {
  name: string;
  /** The Kamailio module that reads it. */
  module: string;
  /** The table version the module checks (a `version` row). */
  version: number;
  sql(engine: Engine): string;
}

// db_postgres reads TEXT columns as blobs (unescaping them as bytea, and permissions rejects
// blobs), VARCHAR as strings: every text column a module reads is cast on PostgreSQL.
const str = (engine: Engine, expr: string) => (engine === "postgres" ? `CAST(${expr} AS varchar)` : expr);

/** Destinations ranked by priority level within their trunk, with the level's largest weight. */
const RANKED = `SELECT d.id, d.trunk_id, t.sid AS trunk_sid, d.host, d.port, d.transport, d.priority, d.weight,
         DENSE_RANK() OVER (PARTITION BY d.trunk_id ORDER BY d.priority) AS lvl,
         MAX(d.weight) OVER (PARTITION BY d.trunk_id, d.priority) AS maxw
  FROM destinations d JOIN trunks t ON t.id = d.trunk_id`;

/** An IP literal: IPv6 (has ':') or only digits and dots. Anything else is a host name. */
const isIpLiteral = (engine: Engine, col: string) =>
  engine === "postgres" ? `(${col} LIKE '%:%' OR btrim(${col}, '0123456789.') = '')` : `(${col} LIKE '%:%' OR trim(${col}, '0123456789.') = '')`;

const kv = (key: TrunkKey, value: string) => `CAST(t.id AS text) || '::${key}' AS key_name, ${value} AS key_value`;

/** In dependency order (a view only reads tables and views before it). */
export const VIEWS: ViewDefinition[] = [
  {
    // permissions: one address group per trunk (grp = trunk id), so the group matched is the trunk.
    name: "edge_address",
    module: "permissions",
    version: 6,
    sql: (e) => `SELECT w.id AS id, w.trunk_id AS grp, ${str(e, "w.ip")} AS ip_addr, w.mask AS mask, 0 AS port,
           ${str(e, "CAST(w.trunk_id AS text)")} AS tag
      FROM whitelisted_ips w`,
  },
  {
    // auth_db: HA1 only (calculate_ha1 off); trunk_id is loaded into an AVP on success.
    name: "edge_subscriber",
    module: "auth_db",
    version: 7,
    sql: (e) => `SELECT c.id AS id, ${str(e, "c.username")} AS username, ${str(e, "c.realm")} AS domain, ${str(e, "c.ha1")} AS ha1,
           ${str(e, "c.ha1")} AS password, ${str(e, "''")} AS ha1b, c.trunk_id AS trunk_id
      FROM credentials c`,
  },
  {
    // dispatcher: one set per (trunk, priority level), numbered trunk_id * 64 + dense rank, so
    // selecting the trunk's sets in rank order gives lowest priority first; rweight (1..100,
    // relative within the level) spreads calls among equals. Host names carry DS_NODNSARES_DST:
    // the list loads without resolving them (an unresolvable name never fails a reload) and the
    // name is resolved when a call is routed to it. These entries are probed (DS_PROBED). Each
    // destination appears a second time in the trunk's fallback set (trunk_id * 64, never probed,
    // priority order). The URI's user is the trunk's sid: it names the trunk in the edge's
    // dst-down/up log lines and in dispatcher.list, and keeps two trunks' entries for one host
    // apart (state per trunk); a call's Request-URI user is replaced by the dial string.
    name: "edge_dispatcher",
    module: "dispatcher",
    version: 4,
    sql: (e) => {
      const uri = str(
        e,
        `'sip:' || r.trunk_sid || '@' || CASE WHEN r.host LIKE '%:%' THEN '[' || r.host || ']' ELSE r.host END || ':' || CAST(r.port AS text)
             || CASE WHEN r.transport = 'udp' THEN '' ELSE ';transport=' || r.transport END`,
      );
      const dns = `CASE WHEN ${isIpLiteral(e, "r.host")} THEN 0 ELSE ${DS_NO_DNS_AT_LOAD} END`;
      const sock = `'sockname=${SIP_SOCKET_PREFIX}' || r.transport`;
      return `SELECT r.id AS id, r.trunk_id * ${DISPATCHER_SETS_PER_TRUNK} + r.lvl AS setid, ${uri} AS destination,
           ${dns} + ${DS_PROBED} AS flags, 0 AS priority,
           ${str(e, `'rweight=' || CAST((100 * r.weight + r.maxw - 1) / r.maxw AS text) || ';' || ${sock}`)} AS attrs,
           ${str(e, "CAST(r.trunk_id AS text)")} AS description
      FROM (${RANKED}) r
      UNION ALL
      SELECT r.id, r.trunk_id * ${DISPATCHER_SETS_PER_TRUNK} + ${FALLBACK_SET_OFFSET}, ${uri}, ${dns}, ${DISPATCHER_SETS_PER_TRUNK} - r.lvl,
           ${str(e, sock)}, ${str(e, "CAST(r.trunk_id AS text)")}
      FROM (${RANKED}) r`;
    },
  },
  {
    // htable `trunks`: per-trunk attributes the routing script needs, one key each (TRUNK_KEYS).
    name: "edge_trunk_keys",
    module: "htable",
    version: 2,
    sql: (e) => {
      const concat = (expr: string, order: string) => (e === "postgres" ? `string_agg(${expr}, ';' ORDER BY ${order})` : `group_concat(${expr}, ';')`);
      return `SELECT a.trunk_id AS trunk_id, a.account_sid AS account_sid, ${str(e, "a.key_name")} AS key_name,
           0 AS key_type, 0 AS value_type, ${str(e, "a.key_value")} AS key_value, 0 AS expires
      FROM (
        SELECT t.id AS trunk_id, t.account_sid, ${kv("acct", "t.account_sid")} FROM trunks t
        UNION ALL SELECT t.id, t.account_sid, ${kv("region", "t.region")} FROM trunks t
        UNION ALL SELECT t.id, t.account_sid, ${kv("maxch", "CAST(t.max_channels AS text)")} FROM trunks t WHERE t.max_channels IS NOT NULL
        UNION ALL SELECT t.id, t.account_sid, ${kv("ctry", "t.inbound_country")} FROM trunks t
          WHERE t.outbound_national_dialing = 1 AND t.inbound_country IS NOT NULL
        UNION ALL SELECT t.id, t.account_sid, ${kv("inctry", "t.inbound_country")} FROM trunks t WHERE t.inbound_country IS NOT NULL
        UNION ALL SELECT t.id, t.account_sid, ${kv("pfx", "t.outbound_dial_string_prefix")} FROM trunks t
          WHERE t.outbound_dial_string_prefix IS NOT NULL
        UNION ALL SELECT t.id, t.account_sid, ${kv("plus", "'1'")} FROM trunks t WHERE t.outbound_plus_prefix = 1
        UNION ALL SELECT t.id, t.account_sid, ${kv("alias", "s.value")} FROM trunks t
          JOIN trunk_settings s ON s.trunk_id = t.id AND s.name = 'trunk_external_alias'
        UNION ALL SELECT t.id, t.account_sid, ${kv("ds", "g.rules")} FROM trunks t
          JOIN (SELECT l.trunk_id, ${concat(`CAST(l.trunk_id * ${DISPATCHER_SETS_PER_TRUNK} + l.lvl AS text) || '=11'`, "l.lvl")} AS rules
                FROM (SELECT DISTINCT trunk_id, lvl FROM (${RANKED}) x ORDER BY trunk_id, lvl) l
                GROUP BY l.trunk_id) g ON g.trunk_id = t.id
        UNION ALL SELECT t.id, t.account_sid, ${kv("srtp", "'1'")} FROM trunks t
          WHERE EXISTS (SELECT 1 FROM destinations d WHERE d.trunk_id = t.id AND d.transport = 'tls')
        UNION ALL SELECT t.id, t.account_sid, ${kv("dsall", `CAST(t.id * ${DISPATCHER_SETS_PER_TRUNK} + ${FALLBACK_SET_OFFSET} AS text) || '=8'`)} FROM trunks t
          WHERE EXISTS (SELECT 1 FROM destinations d WHERE d.trunk_id = t.id)
      ) a`;
    },
  },
  {
    // htable `numbers`: called number (digits, no '+') -> "<trunk id>:<mode>".
    name: "edge_numbers",
    module: "htable",
    version: 2,
    sql: (e) => `SELECT p.trunk_id AS trunk_id, ${str(e, "ltrim(p.number, '+')")} AS key_name, 0 AS key_type, 0 AS value_type,
           ${str(e, "CAST(p.trunk_id AS text) || ':' || COALESCE(p.mode, 'pstn')")} AS key_value, 0 AS expires
      FROM phone_numbers p`,
  },
  {
    // htable `routes`: "<account>::<prefix>" -> trunk carrying calls out (the lowest trunk id wins
    // a prefix two trunks share); "<account>::*1" and "::*2" are the first two trunks without
    // prefixes, the fallback (two, so a call never falls back onto the trunk it came in on).
    name: "edge_routes",
    module: "htable",
    version: 2,
    sql: (e) => `SELECT a.account_sid AS account_sid, ${str(e, "a.key_name")} AS key_name, 0 AS key_type, 0 AS value_type,
           ${str(e, "a.key_value")} AS key_value, 0 AS expires
      FROM (
        SELECT t.account_sid AS account_sid, t.account_sid || '::' || r.prefix AS key_name,
               CAST(MIN(t.id) AS text) AS key_value
        FROM route_prefixes r JOIN trunks t ON t.id = r.trunk_id
        GROUP BY t.account_sid, r.prefix
        UNION ALL
        SELECT f.account_sid, f.account_sid || '::*' || CAST(f.rn AS text), CAST(f.id AS text)
        FROM (SELECT t.id, t.account_sid, ROW_NUMBER() OVER (PARTITION BY t.account_sid ORDER BY t.id) AS rn
              FROM trunks t WHERE NOT EXISTS (SELECT 1 FROM route_prefixes r WHERE r.trunk_id = t.id)) f
        WHERE f.rn <= 2
      ) a`,
  },
  {
    // htable `countries`: "<CC>::cc" calling code, "::np" national prefix, "::tp" trunk prefix, "::re" national pattern.
    name: "edge_country_keys",
    module: "htable",
    version: 2,
    sql: (e) => {
      const rows = Object.entries(COUNTRY_KEYS).map(([key, column]) => `SELECT c.country || '::${key}' AS key_name, c.${column} AS key_value FROM edge_countries c`);
      return `SELECT ${str(e, "k.key_name")} AS key_name, 0 AS key_type, 0 AS value_type, ${str(e, "k.key_value")} AS key_value, 0 AS expires
      FROM (${rows.join(" UNION ALL ")}) k`;
    },
  },
];

/** Views earlier versions made that nothing reads any more (edge_trunks: folded into edge_trunk_keys). */
const RETIRED_VIEWS = ["edge_trunks"];

/** Any 64-bit number, the same in every process: the lock serialising projection steps on PostgreSQL. */
const PG_LOCK_KEY = 7_465_126_004_217;

/**
 * The repeatable step, run after the migrations on every start: drops and recreates every view
 * of the projection, and their `version` rows, in one transaction. Idempotent; two processes
 * starting at once take turns (SQLite: the transaction begins immediate, taking the write lock;
 * PostgreSQL: a transaction-scoped advisory lock), so neither sees the other's half-made views.
 */
export async function applyProjection(db: Kysely<unknown>, engine: Engine): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const run = (text: string) => sql.raw(text).execute(tx);
    if (engine === "postgres") await sql`SELECT pg_advisory_xact_lock(${PG_LOCK_KEY})`.execute(tx);
    const cascade = engine === "postgres" ? " CASCADE" : "";
    for (const view of [...VIEWS].reverse()) await run(`DROP VIEW IF EXISTS ${view.name}${cascade}`);
    for (const name of RETIRED_VIEWS) await run(`DROP VIEW IF EXISTS ${name}${cascade}`);
    for (const view of VIEWS) await run(`CREATE VIEW ${view.name} AS\n${view.sql(engine)}`);
    const names = [...VIEWS.map((v) => v.name), ...RETIRED_VIEWS];
    await tx.deleteFrom("version" as never).where("table_name" as never, "in", names as never).execute();
    await tx
      .insertInto("version" as never)
      .values(VIEWS.map((v) => ({ table_name: v.name, table_version: v.version })) as never)
      .execute();
  });
}
