import { sql, type SelectQueryBuilder } from "kysely";
import type { Executor } from "../executor.js";
import { prepared } from "../prepared.js";
import type { Database, NewTrunkRow, TrunkRowUpdate } from "../schema.js";

/** Every read is scoped by account: tenant isolation is in the query, not filtered afterwards. */
function selectTrunks(db: Executor) {
  return db
    .selectFrom("trunks as t")
    .selectAll("t")
    .select(
      sql<number>`(case when exists (select 1 from destinations d where d.trunk_id = t.id and d.transport = 'tls') then 1 else 0 end)`.as("secure_trunking"),
    );
}

/** `account_sid = ?` spelled as a one-value range, for the list queries (see listByOffset). */
function inAccount(q: ReturnType<typeof selectTrunks>, accountSid: string) {
  return q.where("t.account_sid", ">=", accountSid).where("t.account_sid", "<=", accountSid);
}
function inAccountRange<Q extends SelectQueryBuilder<Database, "trunks", { id: number }>>(q: Q, accountSid: string): Q {
  return q.where("account_sid", ">=", accountSid).where("account_sid", "<=", accountSid) as Q;
}

// The per-request lookups, compiled once (see prepared.ts).
const bySid = prepared((db, $) => selectTrunks(db).where("t.account_sid", "=", $<string>(0)).where("t.sid", "=", $<string>(1)));
const byUuid = prepared((db, $) => selectTrunks(db).where("t.account_sid", "=", $<string>(0)).where("t.uuid", "=", $<string>(1)));
/**
 * A page of an account's trunks, oldest first: the first id of the page is found by walking the
 * (account_sid, id) index alone past the offset (no row is read or rendered for the rows skipped),
 * then the page is read from there. PostgreSQL would otherwise compute every column,
 * `secure_trunking` included, for each row it skips (measured at offset 99,000: 290 ms).
 */
const pageOfAccount = prepared((db, $) =>
  inAccount(selectTrunks(db), $<string>(0))
    .where("t.id", ">=", (eb) =>
      inAccountRange(eb.selectFrom("trunks").select("id"), $<string>(0))
        .orderBy("account_sid", "asc")
        .orderBy("id", "asc")
        .limit(1)
        .offset($<number>(2)),
    )
    .orderBy("t.account_sid", "asc")
    .orderBy("t.id", "asc")
    .limit($<number>(1)),
);

export const trunksRepo = {
  async insert(db: Executor, row: NewTrunkRow): Promise<number> {
    const r = await db.insertInto("trunks").values(row).returning("id").executeTakeFirstOrThrow();
    return r.id;
  },
  async findBySid(db: Executor, accountSid: string, sid: string) {
    return (await bySid(db, accountSid, sid))[0];
  },
  async findByUuid(db: Executor, accountSid: string, uuid: string) {
    return (await byUuid(db, accountSid, uuid))[0];
  },
  /**
   * Operator tools only (`trunkline check`): a trunk named by its Exotel sid or carrier UUID,
   * whatever its account. Never reachable from a dialect.
   */
  findAnyAccount(db: Executor, ref: string) {
    return selectTrunks(db).where((eb) => eb.or([eb("t.sid", "=", ref), eb("t.uuid", "=", ref)])).executeTakeFirst();
  },
  findById(db: Executor, accountSid: string, id: number) {
    return selectTrunks(db).where("t.account_sid", "=", accountSid).where("t.id", "=", id).executeTakeFirst();
  },
  /**
   * Oldest first, offset paging (Exotel); fetches one extra row to know whether more exist.
   * The account is a one-value range and the order (account_sid, id) so that only the
   * (account_sid, id) index produces it (PostgreSQL would otherwise be free to walk the primary
   * key and filter by account: a cost that grows with every other account's trunks).
   */
  listByOffset(db: Executor, accountSid: string, offset: number, limit: number, sid?: string) {
    if (sid !== undefined) return selectTrunks(db).where("t.account_sid", "=", accountSid).where("t.sid", "=", sid).orderBy("t.id", "asc").limit(limit + 1).offset(offset).execute();
    return pageOfAccount(db, accountSid, limit + 1, offset);
  },
  /**
   * Newest first, keyset paging (carrier). `after` walks to older rows, `before` to newer ones;
   * fetches one extra row to know whether the walk can go on.
   */
  async listByKeyset(db: Executor, accountSid: string, limit: number, cursor?: { after?: number; before?: number }) {
    let q = inAccount(selectTrunks(db), accountSid);
    if (cursor?.before !== undefined) {
      const rows = await q.where("t.id", ">", cursor.before).orderBy("t.account_sid", "asc").orderBy("t.id", "asc").limit(limit + 1).execute();
      return rows;
    }
    if (cursor?.after !== undefined) q = q.where("t.id", "<", cursor.after);
    return q.orderBy("t.account_sid", "desc").orderBy("t.id", "desc").limit(limit + 1).execute();
  },
  /** Ordered like the lists, so that the (account_sid, id) index answers with its first entry. */
  async existsNewer(db: Executor, accountSid: string, id: number): Promise<boolean> {
    const r = await inAccountRange(db.selectFrom("trunks").select("id"), accountSid).where("id", ">", id).orderBy("account_sid").orderBy("id").limit(1).executeTakeFirst();
    return r !== undefined;
  },
  async existsOlder(db: Executor, accountSid: string, id: number): Promise<boolean> {
    const r = await inAccountRange(db.selectFrom("trunks").select("id"), accountSid).where("id", "<", id).orderBy("account_sid", "desc").orderBy("id", "desc").limit(1).executeTakeFirst();
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
