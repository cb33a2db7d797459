import type { Kysely } from "kysely";
import type { Engine } from "../engine.js";

/**
 * The media relay registry: every running rtpengine started by trunkline (`trunkline up`,
 * `trunkline media`) records itself here and heartbeats while it answers ng `ping`
 * (src/media/registry.ts); API processes read each relay's counters over ng from here. Times are
 * the database's clock, as for edges (migration 004).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema
    .createTable("media_relays")
    // Random per start: a late clean stop of an old instance never touches its successor's row.
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("ng_address", "text", (c) => c.notNull().unique())
    .addColumn("media_address", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("heartbeat_seconds", "integer", (c) => c.notNull())
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("heartbeat_at", "text", (c) => c.notNull())
    // Set by a clean stop: the relay is down at once, not after missed heartbeats.
    .addColumn("stopped_at", "text")
    .execute();
}
