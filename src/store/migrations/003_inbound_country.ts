import { sql, type Kysely } from "kysely";
import type { Engine } from "../engine.js";

/**
 * What the edge needs to normalise numbers received in national format (carrier conventions,
 * `inbound_country`): each trunk's inbound country whether or not it dials nationally (002's
 * `::ctry` exists only with national dialing), and each country's trunk prefix (the one callers
 * dial, which 002's `::np` — the national format's — is not always: US "1"). See docs/edge.md.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(db);
  // As in 002: text columns a module reads are varchar on PostgreSQL.
  const str = (expr: string) => (engine === "postgres" ? `CAST(${expr} AS varchar)` : expr);

  // Filled in by syncCountryRules, which rewrites the rules when they differ.
  await db.schema.alterTable("edge_countries").addColumn("trunk_prefix", "text", (c) => c.notNull().defaultTo("")).execute();

  // htable `countries`: 002's keys plus "<CC>::tp".
  const keys = { cc: "calling_code", np: "national_prefix", tp: "trunk_prefix", re: "pattern" };
  const rows = Object.entries(keys).map(([key, column]) => `SELECT c.country || '::${key}' AS key_name, c.${column} AS key_value FROM edge_countries c`);
  await run("DROP VIEW edge_country_keys");
  await run(`CREATE VIEW edge_country_keys AS
    SELECT ${str("k.key_name")} AS key_name, 0 AS key_type, 0 AS value_type, ${str("k.key_value")} AS key_value, 0 AS expires
    FROM (${rows.join(" UNION ALL ")}) k`);

  // htable `trunks` now reads this view: 002's keys plus "<id>::inctry". Layered rather than
  // restating edge_trunks, which an applied migration must not change.
  await run(`CREATE VIEW edge_trunk_keys AS
    SELECT e.trunk_id, e.account_sid, e.key_name, e.key_type, e.value_type, e.key_value, e.expires FROM edge_trunks e
    UNION ALL
    SELECT t.id, t.account_sid, ${str("CAST(t.id AS text) || '::inctry'")}, 0, 0, ${str("t.inbound_country")}, 0
    FROM trunks t WHERE t.inbound_country IS NOT NULL`);

  await db
    .insertInto("version" as never)
    .values({ table_name: "edge_trunk_keys", table_version: 2 } as never)
    .execute();
}
