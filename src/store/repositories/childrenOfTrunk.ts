import { sql } from "kysely";
import { jsonRows } from "../aggregate.js";
import type { Executor } from "../executor.js";
import { CHILD_FIELDS } from "../mappers.js";
import { prepared } from "../prepared.js";

/** A trunk of the account with a page of one child collection as JSON; undefined: no such trunk. */
export interface TrunkWithChildren {
  id: number;
  sid: string;
  items: unknown;
}

type Child = "acl" | "destinations" | "settings";
const TABLES: Record<Child, string> = { acl: "whitelisted_ips", destinations: "destinations", settings: "trunk_settings" };

/**
 * The child lists of the Exotel API in one round trip: the trunk (named by account and sid) and a
 * page of its children, oldest first (sorted by the mapper), in the same statement. The children of a trunk are bounded
 * at write time (LIMITS), and each table is read through its index that leads with trunk_id.
 * $(0) account, $(1) trunk sid, $(2) limit, $(3) offset.
 */
function pageWithTrunk(child: Child) {
  const fields = CHILD_FIELDS[child];
  const columns = sql.raw(fields.map((f) => `c.${f}`).join(", "));
  const table = sql.table(TABLES[child]);
  return prepared((db: Executor, $) =>
    db
      .selectFrom("trunks as t")
      .select(["t.id", "t.sid"])
      .select(
        sql<unknown>`(select ${jsonRows(db, "x", fields)} from (select ${columns} from ${table} c where c.trunk_id = t.id order by c.id limit ${$<number>(2)} offset ${$<number>(3)}) x)`.as("items"),
      )
      .where("t.account_sid", "=", $<string>(0))
      .where("t.sid", "=", $<string>(1)),
  );
}

const pages: Record<Child, ReturnType<typeof pageWithTrunk>> = { acl: pageWithTrunk("acl"), destinations: pageWithTrunk("destinations"), settings: pageWithTrunk("settings") };

/** One extra item is read: is there more? */
export async function childrenOfTrunk(db: Executor, child: Child, accountSid: string, trunkSid: string, offset: number, limit: number): Promise<TrunkWithChildren | undefined> {
  return (await pages[child](db, accountSid, trunkSid, limit + 1, offset))[0] as TrunkWithChildren | undefined;
}
