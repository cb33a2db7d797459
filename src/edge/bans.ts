import type { MemoryHtableName } from "./projection.js";
import type { EdgeRpc } from "./rpc.js";

/** The htable the edge's template keeps banned addresses in (key: source IP, value: why); typed so a rename in the contract fails here. */
export const BAN_TABLE: MemoryHtableName = "bans";

export interface EdgeBan {
  /** The banned source address. */
  address: string;
  /** Why: "request flood" (pike) or "<n> failed authentications". */
  reason: string;
}

interface DumpSlot {
  slot?: Array<{ name?: unknown; value?: unknown }>;
}

/**
 * The addresses an edge is banning (they get no answer until the ban expires), read with
 * JSON-RPC `htable.dump`. An expired ban stops at once but stays listed until the edge sweeps the
 * table, within a second (htable timer_interval).
 */
export async function edgeBans(rpc: EdgeRpc): Promise<EdgeBan[]> {
  const dump = await rpc.call<DumpSlot[] | DumpSlot>("htable.dump", [BAN_TABLE]);
  const slots = Array.isArray(dump) ? dump : [dump];
  const bans = slots.flatMap((s) => s.slot ?? []).map((item) => ({ address: String(item.name ?? ""), reason: String(item.value ?? "") }));
  return bans.filter((b) => b.address !== "").sort((a, b) => a.address.localeCompare(b.address));
}
