import { sql, type Kysely } from "kysely";
import type { Engine } from "../engine.js";

/**
 * The SIP edge's projection: views shaped like the tables Kamailio's own modules read
 * (permissions `address`, auth_db `subscriber`, dispatcher, htable), over the domain tables. A
 * view is always current, so an edge that (re)starts or reloads sees every committed change with
 * no copy to keep in step. See docs/edge.md.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(db);
  // db_postgres reads TEXT columns as blobs (unescaping them as bytea, and permissions rejects
  // blobs), VARCHAR as strings: every text column a module reads is cast on PostgreSQL.
  const str = (expr: string) => (engine === "postgres" ? `CAST(${expr} AS varchar)` : expr);

  // Kamailio refuses to start unless each table it reads has its schema version here.
  await db.schema
    .createTable("version")
    .addColumn("table_name", "text", (c) => c.primaryKey())
    .addColumn("table_version", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  // National dialing rules per country, from libphonenumber's metadata; written by the edge
  // tooling (src/edge/countries.ts) so they follow the library version installed.
  await db.schema
    .createTable("edge_countries")
    .addColumn("country", "text", (c) => c.primaryKey())
    .addColumn("calling_code", "text", (c) => c.notNull())
    .addColumn("national_prefix", "text", (c) => c.notNull())
    .addColumn("pattern", "text", (c) => c.notNull())
    .execute();

  // permissions: one address group per trunk (grp = trunk id), so the group matched is the trunk.
  await run(`CREATE VIEW edge_address AS
    SELECT w.id AS id, w.trunk_id AS grp, ${str("w.ip")} AS ip_addr, w.mask AS mask, 0 AS port,
           ${str("CAST(w.trunk_id AS text)")} AS tag
    FROM whitelisted_ips w`);

  // auth_db: HA1 only (calculate_ha1 off); trunk_id is loaded into an AVP on success.
  await run(`CREATE VIEW edge_subscriber AS
    SELECT c.id AS id, ${str("c.username")} AS username, ${str("c.realm")} AS domain, ${str("c.ha1")} AS ha1,
           ${str("c.ha1")} AS password, ${str("''")} AS ha1b, c.trunk_id AS trunk_id
    FROM credentials c`);

  // dispatcher: one set per (trunk, priority level), numbered trunk_id * 64 + dense rank (a trunk
  // has at most 32 destinations), so selecting the trunk's sets in rank order gives lowest
  // priority first; rweight (1..100, relative within the level) spreads calls among equals.
  const ranked = `SELECT d.id, d.trunk_id, d.host, d.port, d.transport, d.priority, d.weight,
           DENSE_RANK() OVER (PARTITION BY d.trunk_id ORDER BY d.priority) AS lvl,
           MAX(d.weight) OVER (PARTITION BY d.trunk_id, d.priority) AS maxw
    FROM destinations d`;
  await run(`CREATE VIEW edge_dispatcher AS
    SELECT r.id AS id, r.trunk_id * 64 + r.lvl AS setid,
           ${str(`'sip:' || CASE WHEN r.host LIKE '%:%' THEN '[' || r.host || ']' ELSE r.host END || ':' || CAST(r.port AS text)
             || CASE WHEN r.transport = 'udp' THEN '' ELSE ';transport=' || r.transport END`)} AS destination,
           0 AS flags, 0 AS priority,
           ${str("'rweight=' || CAST((100 * r.weight + r.maxw - 1) / r.maxw AS text)")} AS attrs,
           ${str("CAST(r.trunk_id AS text)")} AS description
    FROM (${ranked}) r`);

  const concat = (expr: string, order: string) =>
    engine === "postgres" ? `string_agg(${expr}, ';' ORDER BY ${order})` : `group_concat(${expr}, ';')`;
  const kv = (key: string, value: string) =>
    `CAST(t.id AS text) || '::${key}' AS key_name, ${value} AS key_value`;

  // htable `trunks`: per-trunk attributes the routing script needs, one key each.
  await run(`CREATE VIEW edge_trunks AS
    SELECT a.trunk_id AS trunk_id, a.account_sid AS account_sid, ${str("a.key_name")} AS key_name,
           0 AS key_type, 0 AS value_type, ${str("a.key_value")} AS key_value, 0 AS expires
    FROM (
      SELECT t.id AS trunk_id, t.account_sid, ${kv("acct", "t.account_sid")} FROM trunks t
      UNION ALL SELECT t.id, t.account_sid, ${kv("region", "t.region")} FROM trunks t
      UNION ALL SELECT t.id, t.account_sid, ${kv("maxch", "CAST(t.max_channels AS text)")} FROM trunks t WHERE t.max_channels IS NOT NULL
      UNION ALL SELECT t.id, t.account_sid, ${kv("ctry", "t.inbound_country")} FROM trunks t
        WHERE t.outbound_national_dialing = 1 AND t.inbound_country IS NOT NULL
      UNION ALL SELECT t.id, t.account_sid, ${kv("pfx", "t.outbound_dial_string_prefix")} FROM trunks t
        WHERE t.outbound_dial_string_prefix IS NOT NULL
      UNION ALL SELECT t.id, t.account_sid, ${kv("plus", "'1'")} FROM trunks t WHERE t.outbound_plus_prefix = 1
      UNION ALL SELECT t.id, t.account_sid, ${kv("alias", "s.value")} FROM trunks t
        JOIN trunk_settings s ON s.trunk_id = t.id AND s.name = 'trunk_external_alias'
      UNION ALL SELECT t.id, t.account_sid, ${kv("ds", "g.rules")} FROM trunks t
        JOIN (SELECT l.trunk_id, ${concat("CAST(l.trunk_id * 64 + l.lvl AS text) || '=11'", "l.lvl")} AS rules
              FROM (SELECT DISTINCT trunk_id, lvl FROM (${ranked}) x ORDER BY trunk_id, lvl) l
              GROUP BY l.trunk_id) g ON g.trunk_id = t.id
    ) a`);

  // htable `numbers`: called number (digits, no '+') -> "<trunk id>:<mode>".
  await run(`CREATE VIEW edge_numbers AS
    SELECT p.trunk_id AS trunk_id, ${str("ltrim(p.number, '+')")} AS key_name, 0 AS key_type, 0 AS value_type,
           ${str("CAST(p.trunk_id AS text) || ':' || COALESCE(p.mode, 'pstn')")} AS key_value, 0 AS expires
    FROM phone_numbers p`);

  // htable `routes`: "<account>::<prefix>" -> trunk carrying calls out (the lowest trunk id wins
  // a prefix two trunks share); "<account>::*1" and "::*2" are the first two trunks without
  // prefixes, the fallback (two, so a call never falls back onto the trunk it came in on).
  await run(`CREATE VIEW edge_routes AS
    SELECT a.account_sid AS account_sid, ${str("a.key_name")} AS key_name, 0 AS key_type, 0 AS value_type,
           ${str("a.key_value")} AS key_value, 0 AS expires
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
    ) a`);

  // htable `countries`: "<CC>::cc" calling code, "::np" national prefix, "::re" national pattern.
  await run(`CREATE VIEW edge_country_keys AS
    SELECT ${str("k.key_name")} AS key_name, 0 AS key_type, 0 AS value_type, ${str("k.key_value")} AS key_value, 0 AS expires
    FROM (
      SELECT c.country || '::cc' AS key_name, c.calling_code AS key_value FROM edge_countries c
      UNION ALL SELECT c.country || '::np', c.national_prefix FROM edge_countries c
      UNION ALL SELECT c.country || '::re', c.pattern FROM edge_countries c
    ) k`);

  await db
    .insertInto("version" as never)
    .values(
      [
        ["edge_address", 6],
        ["edge_subscriber", 7],
        ["edge_dispatcher", 4],
        ["edge_trunks", 2],
        ["edge_numbers", 2],
        ["edge_routes", 2],
        ["edge_country_keys", 2],
      ].map(([table_name, table_version]) => ({ table_name, table_version })) as never,
    )
    .execute();
}
