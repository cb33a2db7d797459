import type { Kysely } from "kysely";
import type { Engine } from "../engine.js";

/** Auto-increment primary key spelled for each engine. */
function idColumn(engine: Engine) {
  return engine === "postgres" ? "serial" : "integer";
}

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const pk = idColumn(engine);
  const autoinc = engine === "sqlite";

  await db.schema
    .createTable("accounts")
    .addColumn("sid", "text", (c) => c.primaryKey())
    .addColumn("api_key", "text", (c) => c.notNull().unique())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("trunks")
    .addColumn("id", pk, (c) => (autoinc ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn("sid", "text", (c) => c.notNull().unique())
    .addColumn("uuid", "text", (c) => c.notNull().unique())
    .addColumn("account_sid", "text", (c) => c.notNull().references("accounts.sid").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("nso_code", "text", (c) => c.notNull())
    .addColumn("domain_name", "text", (c) => c.notNull())
    .addColumn("auth_type", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("region", "text", (c) => c.notNull())
    .addColumn("authentication_mode", "text", (c) => c.notNull())
    .addColumn("max_channels", "integer")
    .addColumn("inbound_country", "text")
    .addColumn("outbound_dial_string_prefix", "text")
    .addColumn("outbound_national_dialing", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("outbound_plus_prefix", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("trunks_account_name_unique", ["account_sid", "name"])
    .execute();
  // Keyset pagination for both dialects walks (account_sid, id).
  await db.schema.createIndex("trunks_account_id_idx").on("trunks").columns(["account_sid", "id"]).execute();

  await db.schema
    .createTable("route_prefixes")
    .addColumn("trunk_id", "integer", (c) => c.notNull().references("trunks.id").onDelete("cascade"))
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("route_prefixes_pk", ["trunk_id", "prefix"])
    .execute();

  await db.schema
    .createTable("phone_numbers")
    .addColumn("id", pk, (c) => (autoinc ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn("trunk_id", "integer", (c) => c.notNull().references("trunks.id").onDelete("cascade"))
    .addColumn("number", "text", (c) => c.notNull().unique())
    .addColumn("mode", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("phone_numbers_trunk_id_idx").on("phone_numbers").columns(["trunk_id", "id"]).execute();

  await db.schema
    .createTable("whitelisted_ips")
    .addColumn("id", pk, (c) => (autoinc ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn("trunk_id", "integer", (c) => c.notNull().references("trunks.id").onDelete("cascade"))
    .addColumn("ip", "text", (c) => c.notNull())
    .addColumn("mask", "integer", (c) => c.notNull())
    .addColumn("friendly_name", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("whitelisted_ips_unique", ["trunk_id", "ip", "mask"])
    .execute();

  await db.schema
    .createTable("destinations")
    .addColumn("id", pk, (c) => (autoinc ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn("trunk_id", "integer", (c) => c.notNull().references("trunks.id").onDelete("cascade"))
    .addColumn("host", "text", (c) => c.notNull())
    .addColumn("port", "integer", (c) => c.notNull())
    .addColumn("transport", "text", (c) => c.notNull())
    .addColumn("priority", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("weight", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("destinations_unique", ["trunk_id", "host", "port", "transport"])
    .execute();

  await db.schema
    .createTable("credentials")
    .addColumn("id", pk, (c) => (autoinc ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn("trunk_id", "integer", (c) => c.notNull().references("trunks.id").onDelete("cascade"))
    .addColumn("username", "text", (c) => c.notNull().unique())
    .addColumn("password_enc", "text", (c) => c.notNull())
    .addColumn("ha1", "text", (c) => c.notNull())
    .addColumn("realm", "text", (c) => c.notNull())
    .addColumn("friendly_name", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("credentials_trunk_id_idx").on("credentials").column("trunk_id").execute();

  await db.schema
    .createTable("trunk_settings")
    .addColumn("id", pk, (c) => (autoinc ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn("trunk_id", "integer", (c) => c.notNull().references("trunks.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("trunk_settings_unique", ["trunk_id", "name"])
    .execute();
}
