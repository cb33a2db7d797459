import type { Kysely } from "kysely";
import type { Engine } from "../engine.js";

/**
 * Query indexes of the call records (docs/calls.md has the plans they were chosen from).
 * - (account_sid, started_at, id): every list is one account's calls in a DateCreated range,
 *   ordered and paged by (started_at, id); the other filters are checked on the rows this range
 *   walk yields, so a page costs its own rows whatever the table's size.
 * - (account_sid, to_number, started_at, id): `To` finds few calls in a big window; walking the
 *   window for them cost 100 ms (SQLite) / 480 ms (PostgreSQL) at 1M rows.
 * - (account_sid, from_number, …) and (account_sid, phone_number, …): the same for `From` and
 *   `PhoneNumber` (without them a rare number walked the account's whole window: 73 ms on SQLite,
 *   a 0.4 s parallel scan on PostgreSQL at 1M rows, growing with the table). One more B-tree entry
 *   per record the edge inserts, once per call.
 * - (started_at, id): retention walks the oldest rows of all accounts.
 * - call_hops (call_sid, hop): a page's hops in one query, in order.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createIndex("calls_account_started").on("calls").columns(["account_sid", "started_at", "id"]).execute();
  await db.schema.createIndex("calls_account_to").on("calls").columns(["account_sid", "to_number", "started_at", "id"]).execute();
  await db.schema.createIndex("calls_account_from").on("calls").columns(["account_sid", "from_number", "started_at", "id"]).execute();
  await db.schema.createIndex("calls_account_phone").on("calls").columns(["account_sid", "phone_number", "started_at", "id"]).execute();
  await db.schema.createIndex("calls_started").on("calls").columns(["started_at", "id"]).execute();
  await db.schema.createIndex("call_hops_call").on("call_hops").columns(["call_sid", "hop"]).execute();
}
