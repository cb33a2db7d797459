import type { Store } from "../store/db.js";
import { DISPATCHER_SETS_PER_TRUNK, type EdgeViews } from "../edge/projection.js";

/**
 * A trunk's rows of the edge projection (the views the edge's htables load), read the way the
 * reloader reads them. The check compares them with what the edge holds in memory.
 */
export interface HtableRow {
  key: string;
  value: string;
}

const views = (store: Store) => store.db.withTables<EdgeViews>();

export async function countNumbers(store: Store, trunkId: number): Promise<number> {
  const row = await views(store).selectFrom("edge_numbers").select((eb) => eb.fn.countAll<number>().as("n")).where("trunk_id", "=", trunkId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The trunk's numbers htable rows, in key order, at most `limit` of them. */
export async function numberRows(store: Store, trunkId: number, limit: number): Promise<HtableRow[]> {
  const rows = await views(store).selectFrom("edge_numbers").select(["key_name", "key_value"]).where("trunk_id", "=", trunkId).orderBy("key_name").limit(limit).execute();
  return rows.map((r) => ({ key: r.key_name, value: r.key_value }));
}

/** The trunk's attribute keys of htable `trunks` (`<id>::<attribute>`). */
export async function trunkKeyRows(store: Store, trunkId: number): Promise<HtableRow[]> {
  const rows = await views(store).selectFrom("edge_trunk_keys").select(["key_name", "key_value"]).where("trunk_id", "=", trunkId).orderBy("key_name").execute();
  return rows.map((r) => ({ key: r.key_name, value: r.key_value }));
}

/** The trunk's ACL as the permissions module loads it: "ip/mask". */
export async function aclRows(store: Store, trunkId: number): Promise<string[]> {
  const rows = await views(store).selectFrom("edge_address").select(["ip_addr", "mask"]).where("grp", "=", trunkId).execute();
  return rows.map((r) => `${r.ip_addr}/${r.mask}`);
}

/** The trunk's dispatcher entries: "<set id> <destination URI>" (sets trunk id × 64 + level). */
export async function dispatcherRows(store: Store, trunkId: number): Promise<string[]> {
  const first = trunkId * DISPATCHER_SETS_PER_TRUNK;
  const rows = await views(store)
    .selectFrom("edge_dispatcher")
    .select(["setid", "destination"])
    .where("setid", ">", first)
    .where("setid", "<", first + DISPATCHER_SETS_PER_TRUNK)
    .execute();
  return rows.map((r) => `${r.setid} ${r.destination}`);
}
