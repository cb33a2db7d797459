import type { Executor } from "../executor.js";
import type { Updateable } from "kysely";
import type { AccountRow, AccountsTable } from "../schema.js";

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
  update(db: Executor, sid: string, set: Updateable<AccountsTable>) {
    return db.updateTable("accounts").set(set).where("sid", "=", sid).executeTakeFirst();
  },
  /** Up to `limit` accounts after (ascending) or before (descending) a sid; in sid order from the cursor. */
  page(db: Executor, limit: number, cursor: { after?: string; before?: string }) {
    let q = db.selectFrom("accounts").selectAll().limit(limit);
    if (cursor.before !== undefined) return q.where("sid", "<", cursor.before).orderBy("sid", "desc").execute();
    if (cursor.after !== undefined) q = q.where("sid", ">", cursor.after);
    return q.orderBy("sid", "asc").execute();
  },
  /** Trunks per account, for the given accounts, in one grouped query. */
  async trunkCounts(db: Executor, sids: string[]): Promise<Map<string, number>> {
    if (sids.length === 0) return new Map();
    const rows = await db.selectFrom("trunks").select(["account_sid"]).select((eb) => eb.fn.countAll<number | string>().as("n")).where("account_sid", "in", sids).groupBy("account_sid").execute();
    return new Map(rows.map((r) => [r.account_sid, Number(r.n)]));
  },
  /** Callers tell other processes (notifyAccountsChanged) in the same transaction. */
  delete(db: Executor, sid: string) {
    return db.deleteFrom("accounts").where("sid", "=", sid).executeTakeFirst();
  },
};
