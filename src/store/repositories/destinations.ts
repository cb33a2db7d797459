import type { Insertable, Updateable } from "kysely";
import type { Executor } from "../executor.js";
import type { DestinationsTable } from "../schema.js";

export const destinationsRepo = {
  insert(db: Executor, row: Insertable<DestinationsTable>) {
    return db.insertInto("destinations").values(row).returningAll().executeTakeFirstOrThrow();
  },
  /** In routing order: lowest priority first, then heaviest, then oldest. */
  allOfTrunk(db: Executor, trunkId: number) {
    return db.selectFrom("destinations").selectAll().where("trunk_id", "=", trunkId).orderBy("priority").orderBy("weight", "desc").orderBy("id").execute();
  },
  async countOfTrunk(db: Executor, trunkId: number): Promise<number> {
    const r = await db.selectFrom("destinations").select((eb) => eb.fn.countAll<number>().as("n")).where("trunk_id", "=", trunkId).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  findInTrunk(db: Executor, trunkId: number, id: number) {
    return db.selectFrom("destinations").selectAll().where("trunk_id", "=", trunkId).where("id", "=", id).executeTakeFirst();
  },
  update(db: Executor, id: number, patch: Updateable<DestinationsTable>) {
    return db.updateTable("destinations").set(patch).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
  },
  delete(db: Executor, id: number) {
    return db.deleteFrom("destinations").where("id", "=", id).executeTakeFirst();
  },
  deleteAllOfTrunk(db: Executor, trunkId: number) {
    return db.deleteFrom("destinations").where("trunk_id", "=", trunkId).execute();
  },
};
