import { sql, type Insertable } from "kysely";
import { isPostgres, jsonRows } from "../aggregate.js";
import type { Executor } from "../executor.js";
import { CHILD_FIELDS } from "../mappers.js";
import { prepared } from "../prepared.js";
import type { PhoneNumberRow, PhoneNumbersTable } from "../schema.js";

/**
 * A page of a trunk's numbers, read together with the trunk that owns it (named by account and
 * sid): one round trip instead of a trunk lookup and then the page.
 *
 * The page: the key is a one-value range and the order (trunk_id, id), so that only the
 * (trunk_id, id) index can produce it — with `trunk_id = ? ORDER BY id` PostgreSQL may walk the
 * primary key and filter, which reads the whole table when the trunk's rows are the newest
 * (docs/scaling.md, "Query plans at size"). The page's first id is found by walking that index
 * alone past the offset (index-only: no row is read for the rows skipped), then the page is read
 * from there. It is a correlated subquery on `t.id`; it comes back as one JSON array, unordered (mapPhoneNumbersJson sorts it),
 * which on SQLite is also about half the driver's per-row cost of a 51-row result.
 * No row: the trunk is not this account's.
 */
const pageWithTrunk = prepared((db, $) => {
  const trunkId = sql.ref<number>("t.id");
  // PostgreSQL gets the one-value range (see above); SQLite `=`: with the range bounds correlated
  // on t.id it re-ran the offset walk for every row it read (offset 99,000 of a 100k-number trunk:
  // 244 s), with `=` it walks the (trunk_id, id) index once (4 ms).
  const pg = isPostgres(db);
  let start = db.selectFrom("phone_numbers as o").select("o.id");
  start = pg ? start.where("o.trunk_id", ">=", trunkId).where("o.trunk_id", "<=", trunkId) : start.where("o.trunk_id", "=", trunkId);
  let page = db.selectFrom("phone_numbers").select([...CHILD_FIELDS.phoneNumbers]);
  page = pg ? page.where("trunk_id", ">=", trunkId).where("trunk_id", "<=", trunkId) : page.where("trunk_id", "=", trunkId);
  page = page
    .where("id", ">=", start.orderBy("o.trunk_id").orderBy("o.id").limit(1).offset($<number>(3)))
    .orderBy("trunk_id")
    .orderBy("id")
    .limit($<number>(2));
  return db
    .selectFrom("trunks as t")
    .select(["t.id", "t.sid"])
    .select((eb) => eb.selectFrom(page.as("page")).select(jsonRows(db, "page", CHILD_FIELDS.phoneNumbers).as("numbers")).as("numbers"))
    .where("t.account_sid", "=", $<string>(0))
    .where("t.sid", "=", $<string>(1));
});
const inAccount = prepared((db, $) =>
  db
    .selectFrom("phone_numbers as p")
    .innerJoin("trunks as t", "t.id", "p.trunk_id")
    .selectAll("p")
    .select("t.sid as trunk_sid")
    .where("t.account_sid", "=", $<string>(0))
    .where("p.number", "=", $<string>(1)),
);

/**
 * Maps a number (every map runs it): the trunk is named by account and sid inside the insert, so
 * a map is one statement and one round trip instead of a trunk lookup and then the insert. No row
 * back: the trunk is not this account's (nothing was inserted). A number mapped already is the
 * unique violation, as with a plain insert. Compiled once, and on PostgreSQL named (prepared.ts).
 */
const insertInTrunk = prepared((db, $) =>
  db
    .insertInto("phone_numbers")
    .columns(["trunk_id", "number", "mode", "created_at", "updated_at"])
    .expression((eb) =>
      eb
        .selectFrom("trunks as t")
        .select((s) => ["t.id", s.val($<string>(2)).as("number"), s.val($<string | null>(3)).as("mode"), s.val($<string>(4)).as("created_at"), s.val($<string>(4)).as("updated_at")])
        .where("t.account_sid", "=", $<string>(0))
        .where("t.sid", "=", $<string>(1)),
    )
    .returningAll(),
);

export const phoneNumbersRepo = {
  /** Maps `number` to the account's trunk `trunkSid` (undefined: no such trunk in this account). */
  async insertInTrunk(db: Executor, accountSid: string, trunkSid: string, number: string, mode: string | null, now: string): Promise<PhoneNumberRow | undefined> {
    return (await insertInTrunk(db, accountSid, trunkSid, number, mode, now))[0];
  },
  /** A row as given, trunk by id (tests writing behind the API's back; the API maps with insertInTrunk). */
  insert(db: Executor, row: Insertable<PhoneNumbersTable>) {
    return db.insertInto("phone_numbers").values(row).returningAll().executeTakeFirstOrThrow();
  },
  /** A trunk of the account (undefined: none) with a page of its numbers as JSON (one extra row: is there more?). */
  async pageWithTrunk(db: Executor, accountSid: string, trunkSid: string, offset: number, limit: number): Promise<{ id: number; sid: string; numbers: unknown } | undefined> {
    return (await pageWithTrunk(db, accountSid, trunkSid, limit + 1, offset))[0];
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
