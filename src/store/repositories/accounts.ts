import type { Executor } from "../executor.js";
import type { AccountRow } from "../schema.js";

export const accountsRepo = {
  insert(db: Executor, row: AccountRow) {
    return db.insertInto("accounts").values(row).execute();
  },
  findBySid(db: Executor, sid: string) {
    return db.selectFrom("accounts").selectAll().where("sid", "=", sid).executeTakeFirst();
  },
  findByApiKey(db: Executor, apiKey: string) {
    return db.selectFrom("accounts").selectAll().where("api_key", "=", apiKey).executeTakeFirst();
  },
  findByTokenHash(db: Executor, tokenHash: string) {
    return db.selectFrom("accounts").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
  },
  list(db: Executor, limit: number, afterSid?: string) {
    let q = db.selectFrom("accounts").selectAll().orderBy("sid").limit(limit);
    if (afterSid) q = q.where("sid", ">", afterSid);
    return q.execute();
  },
  updateToken(db: Executor, sid: string, tokenHash: string, updatedAt: string) {
    return db.updateTable("accounts").set({ token_hash: tokenHash, updated_at: updatedAt }).where("sid", "=", sid).executeTakeFirst();
  },
};
