import type { Executor } from "../executor.js";
import type { PhoneNumbersTable } from "../schema.js";
import type { Insertable } from "kysely";

export const phoneNumbersRepo = {
  async insert(db: Executor, row: Insertable<PhoneNumbersTable>) {
    return db.insertInto("phone_numbers").values(row).returningAll().executeTakeFirstOrThrow();
  },
  listByTrunk(db: Executor, trunkId: number, offset: number, limit: number) {
    return db.selectFrom("phone_numbers").selectAll().where("trunk_id", "=", trunkId).orderBy("id").limit(limit + 1).offset(offset).execute();
  },
  findInTrunk(db: Executor, trunkId: number, id: number) {
    return db.selectFrom("phone_numbers").selectAll().where("trunk_id", "=", trunkId).where("id", "=", id).executeTakeFirst();
  },
  /** The mapping of a number inside one account, with its trunk's sid. */
  findInAccount(db: Executor, accountSid: string, number: string) {
    return db
      .selectFrom("phone_numbers as p")
      .innerJoin("trunks as t", "t.id", "p.trunk_id")
      .selectAll("p")
      .select("t.sid as trunk_sid")
      .where("t.account_sid", "=", accountSid)
      .where("p.number", "=", number)
      .executeTakeFirst();
  },
  update(db: Executor, id: number, mode: string | null, updatedAt: string) {
    return db.updateTable("phone_numbers").set({ mode, updated_at: updatedAt }).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
  },
  delete(db: Executor, id: number) {
    return db.deleteFrom("phone_numbers").where("id", "=", id).executeTakeFirst();
  },
};
