import type { Kysely } from "kysely";
import type { Engine } from "../engine.js";

/**
 * The edge registry: every running edge records itself here (src/edge/registry.ts) and
 * heartbeats; API processes find the edges to keep in step here. Times are the database's clock
 * (ISO 8601 UTC, seconds), so hosts whose clocks disagree still agree on an edge's age.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema
    .createTable("edges")
    // Random per start: a late clean stop of an old instance never touches its successor's row.
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("rpc_url", "text", (c) => c.notNull().unique())
    .addColumn("sip_address", "text", (c) => c.notNull())
    .addColumn("region", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("heartbeat_seconds", "integer", (c) => c.notNull())
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("heartbeat_at", "text", (c) => c.notNull())
    // Set by a clean stop: the edge is down at once, not after missed heartbeats.
    .addColumn("stopped_at", "text")
    .execute();
}
