import { RECORD_STATS, SHARED_VARS, type RecordStat } from "./projection.js";
import { EdgeRpc } from "./rpc.js";

/** The edge's call record counters (RECORD_STATS in the contract says what each counts), from `stats.get_statistics`. */
export type RecordStats = Record<RecordStat, number>;

/** Reads the named statistics in one RPC (Kamailio answers `name = value` strings). */
async function readStats<K extends string>(rpc: EdgeRpc, names: Record<K, string>): Promise<Record<K, number>> {
  const text = JSON.stringify(await rpc.call<unknown>("stats.get_statistics", Object.values(names)));
  const out = {} as Record<K, number>;
  for (const [key, name] of Object.entries(names) as Array<[K, string]>) {
    const m = new RegExp(`${name} = (\\d+)`).exec(text);
    if (!m) throw new Error(`${name} not in the edge's statistics: ${text}`);
    out[key] = Number(m[1]);
  }
  return out;
}

export function recordStats(rpc: EdgeRpc): Promise<RecordStats> {
  return readStats(rpc, RECORD_STATS);
}

/** Records the edge has queued and not yet committed (RECORD_STATS.queued). */
export async function queuedRecords(rpc: EdgeRpc): Promise<number> {
  return (await readStats(rpc, { queued: RECORD_STATS.queued })).queued;
}

/**
 * Before a graceful stop (docs/calls.md, "What a crash loses"): Kamailio runs nothing at shutdown
 * (its workers exit on SIGTERM at once, taking the shared-memory queue with them), so the edge is
 * told to write each record at once from now on (SHARED_VARS.recordSync) and the caller waits until its
 * timer has written what was queued, at most `timeoutMs` (a store that cannot be written keeps
 * them queued; they are lost with the stop). Resolves the number left queued; never throws (an
 * edge that does not answer is stopped anyway).
 */
export async function drainRecords(rpcUrl: string, timeoutMs = 3000): Promise<number | undefined> {
  const rpc = new EdgeRpc(rpcUrl, 1000);
  try {
    await rpc.call("pv.shvSet", [SHARED_VARS.recordSync, "int", 1]);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = await queuedRecords(rpc);
      if (left === 0 || Date.now() > deadline) return left;
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch {
    return undefined;
  } finally {
    rpc.close();
  }
}
