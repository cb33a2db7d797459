import type { Kysely } from "kysely";
import type { Engine } from "../engine.js";

/**
 * Operator accounts and account names (docs/operators.md). `operator` (0/1, as every boolean of
 * the schema): the account's key and token may use any account's Exotel paths and read the
 * platform (accounts, edges, media relays) through the carrier API. `name`: a display name for
 * consoles and listings; NULL shows the sid.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.alterTable("accounts").addColumn("operator", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("accounts").addColumn("name", "text").execute();
}
