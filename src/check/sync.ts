import { DISPATCHER_SETS_PER_TRUNK, TRUNK_KEYS, trunkKey, type HtableName, type TrunkKey } from "../edge/projection.js";
import { RpcError, type EdgeRpc } from "../edge/rpc.js";
import type { HtableRow } from "./projectionRows.js";

/** What differs between the store's projection of a trunk and one edge's memory. */
export interface SyncDiff {
  /** Keys and entries compared. */
  checked: number;
  /** The first few differences, e.g. "numbers[919800000001]: store '7:pstn', edge absent". */
  differences: string[];
  total: number;
}

const SHOWN = 5;
const PARALLEL = 16;

/** The edge's value of one htable key; undefined when it has none. */
async function edgeValue(rpc: EdgeRpc, table: HtableName, key: string): Promise<string | undefined> {
  try {
    const r = await rpc.call<{ item?: { value?: unknown } }>("htable.get", [table, key]);
    return r.item?.value === undefined ? undefined : String(r.item.value);
  } catch (error) {
    if (error instanceof RpcError && /doesn't exist|not found/i.test(error.message)) return undefined;
    throw error;
  }
}

export interface TrunkProjection {
  numbers: HtableRow[];
  trunks: HtableRow[];
  /** "ip/mask" (permissions). */
  acl: string[];
  /** "<set id> <URI>" (dispatcher). */
  dispatcher: string[];
}

/** The trunk's ACL in the edge's memory (permissions.addressDump and subnetDump, group = trunk id). */
async function edgeAcl(rpc: EdgeRpc, trunkId: number): Promise<string[]> {
  type Item = { group?: number; item?: { ip?: string; mask?: number } };
  const out: string[] = [];
  for (const method of ["permissions.addressDump", "permissions.subnetDump"]) {
    const items = await rpc.call<Item[] | null>(method).catch(() => null);
    for (const i of items ?? []) {
      if (i.group !== trunkId || !i.item?.ip) continue;
      out.push(`${i.item.ip}/${i.item.mask ?? (i.item.ip.includes(":") ? 128 : 32)}`);
    }
  }
  return out;
}

/** The trunk's dispatcher sets in the edge's memory (dispatcher.list): "<set id> <URI>". */
async function edgeDispatcher(rpc: EdgeRpc, trunkId: number): Promise<string[]> {
  type List = { RECORDS?: Array<{ SET?: { ID?: number; TARGETS?: Array<{ DEST?: { URI?: string } }> } }> };
  // No sets loaded at all is an error reply, not an empty list.
  const list = await rpc.call<List>("dispatcher.list").catch(() => ({}) as List);
  const first = trunkId * DISPATCHER_SETS_PER_TRUNK;
  const out: string[] = [];
  for (const r of list.RECORDS ?? []) {
    const id = r.SET?.ID ?? 0;
    if (id <= first || id >= first + DISPATCHER_SETS_PER_TRUNK) continue;
    for (const t of r.SET?.TARGETS ?? []) if (t.DEST?.URI) out.push(`${id} ${t.DEST.URI}`);
  }
  return out;
}

/** Entries on one side only, as "what: store has / edge has" lines. */
function setDiff(what: string, store: string[], edge: string[]): string[] {
  const s = new Set(store);
  const e = new Set(edge);
  return [...[...s].filter((x) => !e.has(x)).map((x) => `${what} ${x}: in the store, not on the edge`), ...[...e].filter((x) => !s.has(x)).map((x) => `${what} ${x}: on the edge, not in the store`)];
}

/**
 * Compares the trunk's projection with one edge's memory: its keys of htables `numbers` and
 * `trunks` (htable.get per key; every attribute key the store lacks must be absent too), its ACL
 * (permissions) and its destinations (dispatcher sets).
 */
export async function compareWithEdge(rpc: EdgeRpc, trunkId: number, rows: TrunkProjection): Promise<SyncDiff> {
  const expected: Array<{ table: HtableName; key: string; value: string | undefined }> = [
    ...rows.numbers.map((r) => ({ table: "numbers" as const, ...r })),
    ...rows.trunks.map((r) => ({ table: "trunks" as const, ...r })),
  ];
  const present = new Set(rows.trunks.map((r) => r.key));
  for (const name of Object.keys(TRUNK_KEYS) as TrunkKey[]) {
    const key = trunkKey(trunkId, name);
    if (!present.has(key)) expected.push({ table: "trunks", key, value: undefined });
  }
  const all: string[] = [];
  for (let i = 0; i < expected.length; i += PARALLEL) {
    const batch = expected.slice(i, i + PARALLEL);
    const got = await Promise.all(batch.map((e) => edgeValue(rpc, e.table, e.key)));
    batch.forEach((e, j) => {
      const actual = got[j];
      if (actual !== e.value) all.push(`${e.table}[${e.key}]: store ${e.value === undefined ? "absent" : `'${e.value}'`}, edge ${actual === undefined ? "absent" : `'${actual}'`}`);
    });
  }
  all.push(...setDiff("ACL", rows.acl, await edgeAcl(rpc, trunkId)));
  all.push(...setDiff("dispatcher set", rows.dispatcher, await edgeDispatcher(rpc, trunkId)));
  return { checked: expected.length + rows.acl.length + rows.dispatcher.length, differences: all.slice(0, SHOWN), total: all.length };
}
