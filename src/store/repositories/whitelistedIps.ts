import type { Insertable } from "kysely";
import type { Executor } from "../executor.js";
import type { WhitelistedIpsTable } from "../schema.js";

export const whitelistedIpsRepo = {
  insert(db: Executor, row: Insertable<WhitelistedIpsTable>) {
    return db.insertInto("whitelisted_ips").values(row).returningAll().executeTakeFirstOrThrow();
  },
  /** The whole ACL of one trunk; bounded by MAX_ACL_ENTRIES at write time. */
  allOfTrunk(db: Executor, trunkId: number) {
    return db.selectFrom("whitelisted_ips").selectAll().where("trunk_id", "=", trunkId).orderBy("id").execute();
  },
  async countOfTrunk(db: Executor, trunkId: number): Promise<number> {
    const r = await db.selectFrom("whitelisted_ips").select((eb) => eb.fn.countAll<number>().as("n")).where("trunk_id", "=", trunkId).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  findInTrunk(db: Executor, trunkId: number, id: number) {
    return db.selectFrom("whitelisted_ips").selectAll().where("trunk_id", "=", trunkId).where("id", "=", id).executeTakeFirst();
  },
  update(db: Executor, id: number, ip: string, mask: number, updatedAt: string) {
    return db.updateTable("whitelisted_ips").set({ ip, mask, updated_at: updatedAt }).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
  },
  delete(db: Executor, id: number) {
    return db.deleteFrom("whitelisted_ips").where("id", "=", id).executeTakeFirst();
  },
};
