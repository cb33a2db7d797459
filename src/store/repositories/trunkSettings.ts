import type { Executor } from "../executor.js";

export const trunkSettingsRepo = {
  /** Settings are a small closed set per trunk (one per known name). */
  allOfTrunk(db: Executor, trunkId: number) {
    return db.selectFrom("trunk_settings").selectAll().where("trunk_id", "=", trunkId).orderBy("id").execute();
  },
  find(db: Executor, trunkId: number, name: string) {
    return db.selectFrom("trunk_settings").selectAll().where("trunk_id", "=", trunkId).where("name", "=", name).executeTakeFirst();
  },
  /** Insert or replace the value; the creation time of an existing setting is kept. */
  async upsert(db: Executor, trunkId: number, name: string, value: string, now: string) {
    const existing = await trunkSettingsRepo.find(db, trunkId, name);
    if (existing) {
      return db.updateTable("trunk_settings").set({ value, updated_at: now }).where("id", "=", existing.id).returningAll().executeTakeFirstOrThrow();
    }
    return db.insertInto("trunk_settings").values({ trunk_id: trunkId, name, value, created_at: now, updated_at: now }).returningAll().executeTakeFirstOrThrow();
  },
  delete(db: Executor, trunkId: number, name: string) {
    return db.deleteFrom("trunk_settings").where("trunk_id", "=", trunkId).where("name", "=", name).executeTakeFirst();
  },
};
