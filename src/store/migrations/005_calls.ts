import type { Kysely } from "kysely";
import type { Engine } from "../engine.js";

/**
 * Call records: one `calls` row per call attempt that reached a final answer, and one `call_hops`
 * row per failed destination before the last. Written by the SIP edge itself (Kamailio, one
 * INSERT when the call ends; see docs/calls.md), never by the API, so calls are recorded while the
 * API is down. Times are ISO 8601 UTC strings without millis, as in every other table. Query
 * indexes beyond the unique sid are migration 006's.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const pk = engine === "postgres" ? "serial" : "integer";
  const autoinc = engine === "sqlite";

  await db.schema
    .createTable("calls")
    .addColumn("id", pk, (c) => (autoinc ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn("sid", "text", (c) => c.notNull().unique())
    .addColumn("account_sid", "text")
    .addColumn("trunk_in_id", "integer")
    .addColumn("trunk_out_id", "integer")
    .addColumn("direction", "text")
    .addColumn("from_number", "text", (c) => c.notNull())
    .addColumn("to_number", "text", (c) => c.notNull())
    .addColumn("dial_string", "text")
    .addColumn("phone_number", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("sip_code", "integer", (c) => c.notNull())
    .addColumn("sip_reason", "text", (c) => c.notNull())
    .addColumn("destination_first", "text")
    .addColumn("destination", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("answered_at", "text")
    .addColumn("ended_at", "text", (c) => c.notNull())
    .addColumn("duration", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("ring_ms", "integer")
    .addColumn("edge_id", "text")
    .addColumn("call_id", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("call_hops")
    .addColumn("id", pk, (c) => (autoinc ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn("call_sid", "text", (c) => c.notNull())
    .addColumn("hop", "integer", (c) => c.notNull())
    .addColumn("destination", "text", (c) => c.notNull())
    .addColumn("sip_code", "integer", (c) => c.notNull())
    .addColumn("sip_reason", "text", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .execute();
}
