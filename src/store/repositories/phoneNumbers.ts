import type { Executor } from "../executor.js";
import { prepared } from "../prepared.js";
import type { PhoneNumbersTable } from "../schema.js";
import type { Insertable } from "kysely";

/**
 * Per-request queries, compiled once (see prepared.ts).
 *
 * A page of a trunk's numbers: the key is a one-value range and the order (trunk_id, id), so that
 * only the (trunk_id, id) index can produce it — with `trunk_id = ? ORDER BY id` PostgreSQL may walk
 * the primary key and filter, which reads the whole table when the trunk's rows are the newest
 * (docs/scaling.md, "Query plans at size"). The page's first id is found by walking that index
 * alone past the offset (index-only: no row is read for the rows skipped), then the page is read
 * from there.
 */
const pageOfTrunk = prepared((db, $) =>
  db
    .selectFrom("phone_numbers")
    // Not trunk_id (the caller has the trunk): every column of every row costs in the driver.
    .select(["id", "number", "mode", "created_at", "updated_at"])
    .where("trunk_id", ">=", $<number>(0))
    .where("trunk_id", "<=", $<number>(0))
    .where("id", ">=", (eb) =>
      eb
        .selectFrom("phone_numbers")
        .select("id")
        .where("trunk_id", ">=", $<number>(0))
        .where("trunk_id", "<=", $<number>(0))
        .orderBy("trunk_id")
        .orderBy("id")
        .limit(1)
        .offset($<number>(2)),
    )
    .orderBy("trunk_id")
    .orderBy("id")
    .limit($<number>(1)),
);
const inAccount = prepared((db, $) =>
  db
    .selectFrom("phone_numbers as p")
    .innerJoin("trunks as t", "t.id", "p.trunk_id")
    .selectAll("p")
    .select("t.sid as trunk_sid")
    .where("t.account_sid", "=", $<string>(0))
    .where("p.number", "=", $<string>(1)),
);

export const phoneNumbersRepo = {
  async insert(db: Executor, row: Insertable<PhoneNumbersTable>) {
    return db.insertInto("phone_numbers").values(row).returningAll().executeTakeFirstOrThrow();
  },
  /** A page of a trunk's numbers in id order (one extra row: is there more?). */
  listByTrunk(db: Executor, trunkId: number, offset: number, limit: number) {
    return pageOfTrunk(db, trunkId, limit + 1, offset);
  },
  findInTrunk(db: Executor, trunkId: number, id: number) {
    return db.selectFrom("phone_numbers").selectAll().where("trunk_id", "=", trunkId).where("id", "=", id).executeTakeFirst();
  },
  findNumberInTrunk(db: Executor, trunkId: number, number: string) {
    return db.selectFrom("phone_numbers").selectAll().where("trunk_id", "=", trunkId).where("number", "=", number).executeTakeFirst();
  },
  /** The mapping of a number inside one account, with its trunk's sid. */
  async findInAccount(db: Executor, accountSid: string, number: string) {
    return (await inAccount(db, accountSid, number))[0];
  },
  update(db: Executor, id: number, mode: string | null, updatedAt: string) {
    return db.updateTable("phone_numbers").set({ mode, updated_at: updatedAt }).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
  },
  delete(db: Executor, id: number) {
    return db.deleteFrom("phone_numbers").where("id", "=", id).executeTakeFirst();
  },
};
