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
  /** Callers tell other processes (notifyAccountsChanged) in the same transaction. */
  updateCredentials(db: Executor, sid: string, set: { api_key?: string; token_hash: string; updated_at: string }) {
    return db.updateTable("accounts").set(set).where("sid", "=", sid).executeTakeFirst();
  },
  /** Callers tell other processes (notifyAccountsChanged) in the same transaction. */
  delete(db: Executor, sid: string) {
    return db.deleteFrom("accounts").where("sid", "=", sid).executeTakeFirst();
  },
};
