import { sql, type SelectQueryBuilder } from "kysely";
import { isPostgres, jsonRow, jsonRows } from "../aggregate.js";
import type { Executor } from "../executor.js";
import { CHILD_FIELDS, TRUNK_FIELDS, type TrunkDetailRow } from "../mappers.js";
import { prepared } from "../prepared.js";
import type { Database, NewTrunkRow, TrunkRowUpdate } from "../schema.js";

/** Every read is scoped by account: tenant isolation is in the query, not filtered afterwards. */
function selectTrunkRows(db: Executor) {
  return db.selectFrom("trunks as t").selectAll("t");
}

/**
 * A trunk row with `secure_trunking` (any TLS destination). A scalar subquery with LIMIT 1, not
 * EXISTS: PostgreSQL may run an EXISTS as a hashed subplan that reads every TLS destination of
 * every account once per statement; this form can only probe the trunk's own destinations
 * through the (trunk_id, ...) index (checked in bench/lib/plans.ts).
 */
function selectTrunks(db: Executor) {
  return selectTrunkRows(db).select(
    sql<number>`coalesce((select 1 from destinations d where d.trunk_id = t.id and d.transport = 'tls' limit 1), 0)`.as("secure_trunking"),
  );
}

/** The setting the carrier API shows as `default_sender` (and Exotel as the caller id). */
export const CALLER_ID_SETTING = "trunk_external_alias";

/**
 * A trunk with everything its detail shows — route prefixes, ACL, destinations, credentials,
 * caller id — as correlated subqueries of the same statement: one round trip per trunk read, and
 * one per page of trunks whatever its size (five queries per trunk before: 500 for a page of 100).
 * Each subquery reads its child table through the index that leads with trunk_id. The trunk and
 * its children come back as one JSON value per trunk (see TrunkDetailRow), the children in no
 * particular order: mapTrunkDetail sorts the few a trunk has (an aggregate's ORDER BY sorted
 * every child set, empty ones included: ~25% of a carrier page's query on SQLite, a sort per
 * trunk and child table on PostgreSQL).
 *
 * `credentials: "shown"` (carrier pages): credentials only of `client_credentials` trunks, the
 * only ones whose credential a carrier page shows (renderSipTrunk); every other trunk of the page
 * comes back with none. Reading each trunk's credential row was the costliest part of the page
 * (about a third of the statement on SQLite).
 */
function selectDetails(db: Executor, credentials: "all" | "shown" = "all") {
  const callerId = `(select s.value from trunk_settings s where s.trunk_id = t.id and s.name = '${CALLER_ID_SETTING}')`;
  const ofTrunk = sql`(select ${jsonRows(db, "c", CHILD_FIELDS.credentials)} from credentials c where c.trunk_id = t.id)`;
  return db.selectFrom("trunks as t").select(
    jsonRow(
      db,
      [...TRUNK_FIELDS.map((f) => `t.${f}`), callerId],
      [
        sql`(select ${jsonRows(db, "r", CHILD_FIELDS.routePrefixes)} from route_prefixes r where r.trunk_id = t.id)`,
        sql`(select ${jsonRows(db, "w", CHILD_FIELDS.acl)} from whitelisted_ips w where w.trunk_id = t.id)`,
        sql`(select ${jsonRows(db, "dd", CHILD_FIELDS.destinations)} from destinations dd where dd.trunk_id = t.id)`,
        credentials === "all" ? ofTrunk : sql`case when t.authentication_mode = 'client_credentials' then ${ofTrunk} end`,
      ],
    ).as("detail"),
  );
}

/** The uuid named by a carrier page cursor, as a subquery: resolved in the page's own statement. */
function cursorId(db: Executor, accountSid: string, uuid: string) {
  return db.selectFrom("trunks as cur").select("cur.id").where("cur.account_sid", "=", accountSid).where("cur.uuid", "=", uuid);
}

/** `account_sid = ?` spelled as a one-value range, for the list queries (see listByOffset). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any selection: only the FROM matters here
function inAccount<Q extends SelectQueryBuilder<Database & { t: Database["trunks"] }, "t", any>>(q: Q, accountSid: string): Q {
  return q.where("t.account_sid", ">=", accountSid).where("t.account_sid", "<=", accountSid) as Q;
}
function inAccountRange<Q extends SelectQueryBuilder<Database, "trunks", { id: number }>>(q: Q, accountSid: string): Q {
  return q.where("account_sid", ">=", accountSid).where("account_sid", "<=", accountSid) as Q;
}

// The per-request lookups, compiled once (see prepared.ts).
const bySid = prepared((db, $) => selectTrunks(db).where("t.account_sid", "=", $<string>(0)).where("t.sid", "=", $<string>(1)));
const byUuid = prepared((db, $) => selectTrunks(db).where("t.account_sid", "=", $<string>(0)).where("t.uuid", "=", $<string>(1)));
const detailByUuid = prepared((db, $) => selectDetails(db).where("t.account_sid", "=", $<string>(0)).where("t.uuid", "=", $<string>(1)));
const detailById = prepared((db, $) => selectDetails(db).where("t.account_sid", "=", $<string>(0)).where("t.id", "=", $<number>(1)));
/** The columns a new trunk is inserted with (all but its id), in the order of the prepared insert's values. */
export const TRUNK_COLUMNS = TRUNK_FIELDS.filter((c): c is Exclude<(typeof TRUNK_FIELDS)[number], "id"> => c !== "id") satisfies readonly (keyof NewTrunkRow)[];
/** A new trunk's values in TRUNK_COLUMNS order: a missing optional column NULL, a missing flag 0. */
export function trunkInsertValues(row: NewTrunkRow): unknown[] {
  return TRUNK_COLUMNS.map((c) => row[c] ?? (c === "outbound_national_dialing" || c === "outbound_plus_prefix" ? 0 : null));
}
/** Every create runs it: compiled once (see prepared.ts), not built per request. */
const insertTrunk = prepared((db, $) =>
  db
    .insertInto("trunks")
    .values(Object.fromEntries(TRUNK_COLUMNS.map((c, i) => [c, $(i)])) as unknown as NewTrunkRow)
    .returning("id"),
);
/** A trunk with its credentials, for the credentials list (one round trip). */
const credentialsBySid = prepared((db, $) =>
  db
    .selectFrom("trunks as t")
    .select(["t.id", "t.sid"])
    .select(sql<unknown>`(select ${jsonRows(db, "c", CHILD_FIELDS.credentials)} from credentials c where c.trunk_id = t.id)`.as("credentials"))
    .where("t.account_sid", "=", $<string>(0))
    .where("t.sid", "=", $<string>(1)),
);
/**
 * Carrier pages, newest first (`after`: older than the cursor) or oldest first (`before`: newer
 * than it, reversed by the caller), the cursor's uuid resolved inside the same statement. One
 * extra row tells whether the walk can go on. $(0) account, $(1) limit, $(2) cursor uuid.
 */
const keysetFirst = prepared((db, $) => inAccount(selectDetails(db, "shown"), $<string>(0)).orderBy("t.account_sid", "desc").orderBy("t.id", "desc").limit($<number>(1)));
const keysetAfter = prepared((db, $) =>
  inAccount(selectDetails(db, "shown"), $<string>(0))
    .where("t.id", "<", cursorId(db, $<string>(0), $<string>(2)))
    .orderBy("t.account_sid", "desc")
    .orderBy("t.id", "desc")
    .limit($<number>(1)),
);
const keysetBefore = prepared((db, $) =>
  inAccount(selectDetails(db, "shown"), $<string>(0))
    .where("t.id", ">", cursorId(db, $<string>(0), $<string>(2)))
    .orderBy("t.account_sid", "asc")
    .orderBy("t.id", "asc")
    .limit($<number>(1)),
);
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

/**
 * `t.name` compared in code point order, so that a prefix is one index range whatever the
 * database's collation: PostgreSQL through the (account_sid, name COLLATE "C") index (migration
 * 010; a linguistic collation such as en_US would order "ab_c" next to "abc"), SQLite through
 * the BINARY (account_sid, name) unique index.
 */
const byteName = (db: Executor) => (isPostgres(db) ? sql<string>`t.name collate "C"` : sql<string>`t.name`);

/** Code points above every character a name can continue with: `prefix + NAME_TOP` ends the range. */
const NAME_TOP = "\u{10FFFF}";

/**
 * A page of an account's trunks whose names start with $(2), in name order: the range
 * [prefix, prefix + U+10FFFF) holds exactly those names, served (and ordered) by the name index.
 * $(0) account, $(1) limit, $(3) upper bound, $(4) offset.
 */
const pageOfAccountByName = prepared((db, $) =>
  inAccount(selectTrunks(db), $<string>(0))
    .where(byteName(db), ">=", $<string>(2))
    .where(byteName(db), "<", $<string>(3))
    .orderBy("t.account_sid", "asc")
    .orderBy(byteName(db))
    .limit($<number>(1))
    .offset($<number>(4)),
);

export const trunksRepo = {
  /** Every column of TRUNK_COLUMNS is written (trunkInsertValues). */
  async insert(db: Executor, row: NewTrunkRow): Promise<number> {
    const [r] = await insertTrunk(db, ...trunkInsertValues(row));
    if (!r) throw new Error("insert into trunks returned no id");
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
  /** A trunk and all its children in one query (see withDetail). */
  async findDetailByUuid(db: Executor, accountSid: string, uuid: string): Promise<TrunkDetailRow | undefined> {
    return (await detailByUuid(db, accountSid, uuid))[0];
  },
  async findDetailById(db: Executor, accountSid: string, id: number): Promise<TrunkDetailRow | undefined> {
    return (await detailById(db, accountSid, id))[0];
  },
  /** Undefined when the trunk is not this account's; its credentials as JSON (mapCredentialsJson). */
  async findWithCredentials(db: Executor, accountSid: string, sid: string): Promise<{ id: number; sid: string; credentials: unknown } | undefined> {
    return (await credentialsBySid(db, accountSid, sid))[0];
  },
  /**
   * A carrier page of trunks with their details in one query, whatever the page size, the
   * credentials only of `client_credentials` trunks (see selectDetails). With a
   * cursor that names no trunk of this account the page is empty (the caller tells that apart
   * with cursorExists, only then).
   */
  keysetDetails(db: Executor, accountSid: string, limit: number, cursor?: { after?: string; before?: string }): Promise<TrunkDetailRow[]> {
    if (cursor?.before !== undefined) return keysetBefore(db, accountSid, limit + 1, cursor.before);
    if (cursor?.after !== undefined) return keysetAfter(db, accountSid, limit + 1, cursor.after);
    return keysetFirst(db, accountSid, limit + 1);
  },
  /**
   * Oldest first, offset paging (Exotel); fetches one extra row to know whether more exist. With
   * `namePrefix` (the Exotel `trunk_name` filter), in name order instead (pageOfAccountByName).
   * The account is a one-value range and the order (account_sid, id) so that only the
   * (account_sid, id) index produces it (PostgreSQL would otherwise be free to walk the primary
   * key and filter by account: a cost that grows with every other account's trunks).
   */
  listByOffset(db: Executor, accountSid: string, offset: number, limit: number, sid?: string, namePrefix?: string) {
    if (sid !== undefined) {
      let q = selectTrunks(db).where("t.account_sid", "=", accountSid).where("t.sid", "=", sid);
      if (namePrefix !== undefined) q = q.where(byteName(db), ">=", namePrefix).where(byteName(db), "<", namePrefix + NAME_TOP);
      return q.orderBy("t.id", "asc").limit(limit + 1).offset(offset).execute();
    }
    if (namePrefix !== undefined) return pageOfAccountByName(db, accountSid, limit + 1, namePrefix, namePrefix + NAME_TOP, offset);
    return pageOfAccount(db, accountSid, limit + 1, offset);
  },
  /** The trunk named exactly `name` in the account (the unique (account_sid, name) index), with its details. */
  async findDetailByName(db: Executor, accountSid: string, name: string): Promise<TrunkDetailRow | undefined> {
    const row = await db.selectFrom("trunks").select("id").where("account_sid", "=", accountSid).where("name", "=", name).executeTakeFirst();
    return row ? trunksRepo.findDetailById(db, accountSid, row.id) : undefined;
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
