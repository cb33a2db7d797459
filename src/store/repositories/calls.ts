import { sql, type ExpressionBuilder } from "kysely";
import type { CallFilter, CallListQuery, CallPosition, CallStatsQuery } from "../../domain/calls.js";
import type { Engine } from "../engine.js";
import type { Executor } from "../executor.js";
import type { CallHopRow, CallRow, Database } from "../schema.js";

export type CallRowWithTrunks = CallRow & {
  trunk_in_sid: string | null;
  trunk_in_uuid: string | null;
  trunk_out_sid: string | null;
  trunk_out_uuid: string | null;
};


/**
 * Every read names the account (tenant isolation in the query): rows of another account, and rows
 * the edge could not attribute to any account (account_sid null), are never reached.
 */
function selectCalls(db: Executor) {
  return db
    .selectFrom("calls as c")
    .leftJoin("trunks as ti", "ti.id", "c.trunk_in_id")
    .leftJoin("trunks as tout", "tout.id", "c.trunk_out_id")
    .selectAll("c")
    .select(["ti.sid as trunk_in_sid", "ti.uuid as trunk_in_uuid", "tout.sid as trunk_out_sid", "tout.uuid as trunk_out_uuid"]);
}
type CallQuery = ReturnType<typeof selectCalls>;

/** Calls in or out over the account's own trunk (`calls as c`): another account's trunk matches nothing. */
function overOwnTrunk(accountSid: string, trunk: { sid: string } | { uuid: string }) {
  const ids = (eb: ExpressionBuilder<Database, "calls">) => {
    const base = eb.selectFrom("trunks").select("trunks.id").where("trunks.account_sid", "=", accountSid);
    return "sid" in trunk ? base.where("trunks.sid", "=", trunk.sid) : base.where("trunks.uuid", "=", trunk.uuid);
  };
  return (eb: ExpressionBuilder<Database & { c: Database["calls"] }, "c">) => eb.or([eb("c.trunk_in_id", "in", ids(eb as never)), eb("c.trunk_out_id", "in", ids(eb as never))]);
}

function applyFilter(q: CallQuery, accountSid: string, f: CallFilter): CallQuery {
  if (f.sids) q = q.where("c.sid", "in", f.sids);
  if (f.startedFrom !== undefined) q = q.where("c.started_at", ">=", f.startedFrom);
  if (f.startedTo !== undefined) q = q.where("c.started_at", "<=", f.startedTo);
  if (f.fromNumbers) q = q.where("c.from_number", "in", f.fromNumbers);
  if (f.toNumbers) q = q.where("c.to_number", "in", f.toNumbers);
  if (f.statuses) q = q.where("c.status", "in", f.statuses);
  if (f.durationMin !== undefined) q = q.where("c.duration", ">=", f.durationMin);
  if (f.durationMax !== undefined) q = q.where("c.duration", "<=", f.durationMax);
  if (f.directions) q = f.directions.length ? q.where("c.direction", "in", f.directions) : q.where(sql<boolean>`1 = 0`);
  if (f.phoneNumbers) q = q.where("c.phone_number", "in", f.phoneNumbers);
  if (f.trunk) q = q.where(overOwnTrunk(accountSid, f.trunk));
  return q;
}

/** `(started_at, id) <op> (?, ?)`: the keyset condition of a page after/before a cursor. */
function beyond(q: CallQuery, op: "<" | ">", p: CallPosition): CallQuery {
  return q.where(sql<boolean>`(c.started_at, c.id) ${sql.raw(op)} (${p.startedAt}, ${p.id})`);
}

/**
 * The filter's started_at range narrowed to the cursor's side. SQLite bounds its index walk by
 * one bound per side and not by the row value: without this it walked every row between the
 * range's end and the cursor (5 ms instead of 0.5 at 1M rows, growing with the page's depth).
 */
function narrowed(f: CallFilter, op: "<" | ">", p: CallPosition): CallFilter {
  if (op === "<") return { ...f, startedTo: f.startedTo !== undefined && f.startedTo < p.startedAt ? f.startedTo : p.startedAt };
  return { ...f, startedFrom: f.startedFrom !== undefined && f.startedFrom > p.startedAt ? f.startedFrom : p.startedAt };
}

export const callsRepo = {
  findBySid(db: Executor, accountSid: string, sid: string): Promise<CallRowWithTrunks | undefined> {
    return selectCalls(db).where("c.account_sid", "=", accountSid).where("c.sid", "=", sid).executeTakeFirst();
  },

  /**
   * One page in the list order, plus one row to know whether the walk goes on. Walking
   * backwards (`before`) reads in the opposite order; the caller reverses. One query.
   */
  list(db: Executor, engine: Engine, accountSid: string, query: CallListQuery): Promise<CallRowWithTrunks[]> {
    const forward = query.before === undefined;
    const dir = forward ? query.order : query.order === "asc" ? "desc" : "asc";
    const cursor = query.before ?? query.after;
    const op = dir === "asc" ? ">" : "<";
    // PostgreSQL: the account as a one-value range, first in the ORDER BY, so that only the
    // (account_sid, started_at, id) index yields the order — with `=` it walked the all-accounts
    // (started_at) index for a big account, filtering out every other account's rows. SQLite:
    // `=`, since after a range on the first column it bounds its walk by nothing else.
    const scoped = engine === "postgres" ? selectCalls(db).where("c.account_sid", ">=", accountSid).where("c.account_sid", "<=", accountSid) : selectCalls(db).where("c.account_sid", "=", accountSid);
    let q = applyFilter(scoped, accountSid, cursor ? narrowed(query.filter, op, cursor) : query.filter);
    if (cursor) q = beyond(q, op, cursor);
    // Ordered as the index is (account first) so that the index alone yields the order.
    return q.orderBy("c.account_sid", dir).orderBy("c.started_at", dir).orderBy("c.id", dir).limit(query.limit + 1).execute();
  },

  /**
   * Calls and answered calls per bucket of `[from, to)`, only the buckets that have calls, in
   * bucket order: one query walking the (account_sid, started_at, id) index over the range. The
   * bucket is whole seconds since `from` divided by the bucket size (integer on both engines).
   */
  async stats(db: Executor, engine: Engine, accountSid: string, query: CallStatsQuery): Promise<{ bucket: number; calls: number; answered: number }[]> {
    const fromEpoch = Math.floor(Date.parse(query.from) / 1000);
    const bucket =
      engine === "postgres"
        ? sql<number>`floor((extract(epoch from cast(c.started_at as timestamptz)) - ${fromEpoch}) / ${query.bucketSeconds})::int`
        : // Parameters cast: better-sqlite3 may bind a number as REAL, and REAL division is no bucket.
          sql<number>`(cast(strftime('%s', c.started_at) as integer) - cast(${fromEpoch} as integer)) / cast(${query.bucketSeconds} as integer)`;
    let q = db
      .selectFrom("calls as c")
      .select(bucket.as("bucket"))
      .select((eb) => [eb.fn.countAll<number | string>().as("calls"), eb.fn.sum<number | string>(sql`case when c.status = 'completed' then 1 else 0 end`).as("answered")])
      .where("c.account_sid", "=", accountSid)
      .where("c.started_at", ">=", query.from)
      .where("c.started_at", "<", query.to);
    if (query.trunk) q = q.where(overOwnTrunk(accountSid, query.trunk));
    const rows = await q.groupBy(sql`1`).orderBy(sql`1`).execute();
    return rows.map((r) => ({ bucket: Number(r.bucket), calls: Number(r.calls), answered: Number(r.answered) }));
  },

  /** The hops of many calls in one query, in hop order. */
  hopsOf(db: Executor, callSids: string[]): Promise<CallHopRow[]> {
    if (callSids.length === 0) return Promise.resolve([]);
    return db.selectFrom("call_hops").selectAll().where("call_sid", "in", callSids).orderBy("call_sid").orderBy("hop").execute();
  },

  /** The oldest records started before `cutoff`, at most `limit`; PostgreSQL skips rows another pruner holds. */
  oldest(db: Executor, cutoff: string, limit: number, skipLocked: boolean) {
    const q = db.selectFrom("calls").select(["id", "sid"]).where("started_at", "<", cutoff).orderBy("started_at").orderBy("id").limit(limit);
    return (skipLocked ? q.forUpdate().skipLocked() : q).execute();
  },

  async deleteCalls(db: Executor, rows: { id: number; sid: string }[]): Promise<number> {
    if (rows.length === 0) return 0;
    await db.deleteFrom("call_hops").where("call_sid", "in", rows.map((r) => r.sid)).execute();
    const r = await db.deleteFrom("calls").where("id", "in", rows.map((r) => r.id)).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};
