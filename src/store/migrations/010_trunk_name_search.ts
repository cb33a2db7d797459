import { sql, type Kysely } from "kysely";
import type { Engine } from "../engine.js";

/**
 * Trunk name search by prefix (the Exotel list's `trunk_name` filter): on PostgreSQL an index on
 * the name in code point order ("C"), so a prefix is one range whatever the database's collation
 * (the unique (account_sid, name) index follows the database's, often en_US, where "ab_c" sorts
 * next to "abc"). SQLite's unique index already compares BINARY: nothing to add.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== "postgres") return;
  await sql`create index trunks_account_name_c_idx on trunks (account_sid, name collate "C")`.execute(db);
}
