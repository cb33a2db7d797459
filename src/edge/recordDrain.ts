import { EdgeRpc } from "./rpc.js";

/** Records the edge has queued and not yet committed (statistic `records_queued`), from `stats.get_statistics`. */
export async function queuedRecords(rpc: EdgeRpc): Promise<number> {
  const stats = await rpc.call<unknown>("stats.get_statistics", ["records_queued"]);
  const m = /records_queued = (\d+)/.exec(JSON.stringify(stats));
  if (!m) throw new Error(`records_queued not in the edge's statistics: ${JSON.stringify(stats)}`);
  return Number(m[1]);
}

/**
 * Before a graceful stop (docs/calls.md, "What a crash loses"): Kamailio runs nothing at shutdown
 * (its workers exit on SIGTERM at once, taking the shared-memory queue with them), so the edge is
 * told to write each record at once from now on ($shv(rec_sync)) and the caller waits until its
 * timer has written what was queued, at most `timeoutMs` (a store that cannot be written keeps
 * them queued; they are lost with the stop). Resolves the number left queued; never throws (an
 * edge that does not answer is stopped anyway).
 */
export async function drainRecords(rpcUrl: string, timeoutMs = 3000): Promise<number | undefined> {
  const rpc = new EdgeRpc(rpcUrl, 1000);
  try {
    await rpc.call("pv.shvSet", ["rec_sync", "int", 1]);
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
