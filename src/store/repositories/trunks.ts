import { sql } from "kysely";
import type { Executor } from "../executor.js";
import type { NewTrunkRow, TrunkRowUpdate } from "../schema.js";

/** Every read is scoped by account: tenant isolation is in the query, not filtered afterwards. */
function selectTrunks(db: Executor) {
  return db
    .selectFrom("trunks as t")
    .selectAll("t")
    .select(
      sql<number>`(case when exists (select 1 from destinations d where d.trunk_id = t.id and d.transport = 'tls') then 1 else 0 end)`.as("secure_trunking"),
    );
}

export const trunksRepo = {
  async insert(db: Executor, row: NewTrunkRow): Promise<number> {
    const r = await db.insertInto("trunks").values(row).returning("id").executeTakeFirstOrThrow();
    return r.id;
  },
  findBySid(db: Executor, accountSid: string, sid: string) {
    return selectTrunks(db).where("t.account_sid", "=", accountSid).where("t.sid", "=", sid).executeTakeFirst();
  },
  findByUuid(db: Executor, accountSid: string, uuid: string) {
    return selectTrunks(db).where("t.account_sid", "=", accountSid).where("t.uuid", "=", uuid).executeTakeFirst();
  },
  findById(db: Executor, accountSid: string, id: number) {
    return selectTrunks(db).where("t.account_sid", "=", accountSid).where("t.id", "=", id).executeTakeFirst();
  },
  /** Oldest first, offset paging (Exotel); fetches one extra row to know whether more exist. */
  listByOffset(db: Executor, accountSid: string, offset: number, limit: number, sid?: string) {
    let q = selectTrunks(db).where("t.account_sid", "=", accountSid);
    if (sid !== undefined) q = q.where("t.sid", "=", sid);
    return q.orderBy("t.id", "asc").limit(limit + 1).offset(offset).execute();
  },
  /**
   * Newest first, keyset paging (carrier). `after` walks to older rows, `before` to newer ones;
   * fetches one extra row to know whether the walk can go on.
   */
  async listByKeyset(db: Executor, accountSid: string, limit: number, cursor?: { after?: number; before?: number }) {
    let q = selectTrunks(db).where("t.account_sid", "=", accountSid);
    if (cursor?.before !== undefined) {
      const rows = await q.where("t.id", ">", cursor.before).orderBy("t.id", "asc").limit(limit + 1).execute();
      return rows;
    }
    if (cursor?.after !== undefined) q = q.where("t.id", "<", cursor.after);
    return q.orderBy("t.id", "desc").limit(limit + 1).execute();
  },
  async existsNewer(db: Executor, accountSid: string, id: number): Promise<boolean> {
    const r = await db.selectFrom("trunks").select("id").where("account_sid", "=", accountSid).where("id", ">", id).limit(1).executeTakeFirst();
    return r !== undefined;
  },
  async existsOlder(db: Executor, accountSid: string, id: number): Promise<boolean> {
    const r = await db.selectFrom("trunks").select("id").where("account_sid", "=", accountSid).where("id", "<", id).limit(1).executeTakeFirst();
    return r !== undefined;
  },
  async nameTaken(db: Executor, accountSid: string, name: string, exceptId?: number): Promise<boolean> {
    let q = db.selectFrom("trunks").select("id").where("account_sid", "=", accountSid).where("name", "=", name);
    if (exceptId !== undefined) q = q.where("id", "!=", exceptId);
    return (await q.executeTakeFirst()) !== undefined;
  },
  update(db: Executor, id: number, patch: TrunkRowUpdate) {
    return db.updateTable("trunks").set(patch).where("id", "=", id).executeTakeFirst();
  },
  /** Children go with it through ON DELETE CASCADE, inside the caller's transaction. */
  delete(db: Executor, id: number) {
    return db.deleteFrom("trunks").where("id", "=", id).executeTakeFirst();
  },
  async routePrefixes(db: Executor, trunkId: number): Promise<string[]> {
    const rows = await db.selectFrom("route_prefixes").select("prefix").where("trunk_id", "=", trunkId).orderBy("position").execute();
    return rows.map((r) => r.prefix);
  },
  async replaceRoutePrefixes(db: Executor, trunkId: number, prefixes: string[]): Promise<void> {
    await db.deleteFrom("route_prefixes").where("trunk_id", "=", trunkId).execute();
    if (prefixes.length === 0) return;
    await db
      .insertInto("route_prefixes")
      .values(prefixes.map((prefix, position) => ({ trunk_id: trunkId, prefix, position })))
      .execute();
  },
};
