import type { Kysely } from "kysely";
import type { Engine } from "../engine.js";

/**
 * The media of a call record (docs/media.md, "Call records"): the rtpengine that relayed an
 * answered call's RTP and its counters for the call, read by the edge just before it deletes the
 * session. NULL for calls never answered and for edges without a media relay.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.alterTable("calls").addColumn("media_relay", "text").execute();
  await db.schema.alterTable("calls").addColumn("media_packets", "integer").execute();
  await db.schema.alterTable("calls").addColumn("media_bytes", "integer").execute();
  await db.schema.alterTable("calls").addColumn("media_errors", "integer").execute();
}
