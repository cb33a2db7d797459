import type { ComponentLog } from "../log.js";
import { Poller } from "./poller.js";
import type { Store } from "../store/db.js";
import type { EdgeRpc } from "./rpc.js";

/**
 * Live call state for the API process, kept in memory and refreshed in the background so that no
 * request ever waits on an edge or scans the call records:
 *
 * - LiveCalls: calls up now per trunk, summed over the edges. Each edge tracks its calls in the
 *   dialog profile `trunk` (value = trunk id; the template's max_channels check). One `dlg.list`
 *   per edge per interval gives every dialog with its profile values; counting them here costs one
 *   RPC per edge whatever the number of trunks (one `dlg.profile_get_size` per trunk would be 10,000
 *   RPCs at 10,000 trunks; measurements in docs/edge.md, "Live calls").
 * - CallCounters: Prometheus counters of finished calls by trunk, status and final SIP code, from
 *   the call records the edges write (`calls`), read incrementally by id.
 */

/** How often each edge is asked for its dialogs, and the call records are read. */
export const LIVE_INTERVAL_MS = 2000;
/** An edge whose dialog list could not be read keeps its last counts for this many more polls. */
const KEEP_AFTER_MISSES = 2;
/** Dialog states (dialog module): 5 is deleted, kept briefly after the call ended. */
const DLG_STATE_DELETED = 5;

interface DialogEntry {
  state?: number;
  profiles?: Array<Record<string, string>>;
}

/** Calls per trunk id on one edge: each dialog counts once on every trunk in its `trunk` profile. */
export function countDialogs(dialogs: unknown): Map<number, number> {
  const out = new Map<number, number>();
  if (!Array.isArray(dialogs)) return out;
  for (const d of dialogs as DialogEntry[]) {
    if (!d || typeof d !== "object" || d.state === DLG_STATE_DELETED || !Array.isArray(d.profiles)) continue;
    const seen = new Set<number>();
    for (const p of d.profiles) {
      const id = Number(p?.trunk);
      if (!Number.isInteger(id) || id <= 0 || seen.has(id)) continue;
      seen.add(id);
      out.set(id, (out.get(id) ?? 0) + 1);
    }
  }
  return out;
}

/** Reads trunk sids for ids, 500 at a time. */
async function trunkSids(store: Store, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await store.db.selectFrom("trunks").select(["id", "sid"]).where("id", "in", ids.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.id, r.sid);
  }
  return out;
}

export interface LiveCallsOptions {
  store: Store;
  /** The edges to ask now (those not down), by JSON-RPC URL. */
  edges: () => EdgeRpc[];
  intervalMs?: number;
  log?: ComponentLog;
}

interface EdgeCounts {
  counts: Map<number, number>;
  misses: number;
}

/** Active calls per trunk over every edge, refreshed every interval (see the top of this file). */
export class LiveCalls extends Poller {
  private readonly perEdge = new Map<string, EdgeCounts>();
  private totals = new Map<number, number>();
  /** Sids of the trunks with calls now (for /metrics). */
  private sids = new Map<number, string>();
  private readonly failing = new Set<string>();

  constructor(private readonly options: LiveCallsOptions) {
    super(options.intervalMs ?? LIVE_INTERVAL_MS, "live_calls", options.log);
  }

  /** Calls up now on the trunk, as of the last poll (0 when none, or no edge answered). */
  activeCalls(trunkId: number): number {
    return this.totals.get(trunkId) ?? 0;
  }

  /** Trunks with calls up now: [sid, calls], by sid. */
  byTrunkSid(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [id, n] of this.totals) {
      const sid = this.sids.get(id);
      if (sid !== undefined) out.push([sid, n]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  /** One poll of every edge. */
  protected async poll(): Promise<void> {
    const edges = this.options.edges();
    const urls = new Set(edges.map((e) => e.url));
    for (const url of this.perEdge.keys()) if (!urls.has(url)) this.perEdge.delete(url);
    await Promise.all(
      edges.map(async (rpc) => {
        try {
          const counts = countDialogs(await rpc.call("dlg.list"));
          this.perEdge.set(rpc.url, { counts, misses: 0 });
          if (this.failing.delete(rpc.url)) this.log.info({ edge: rpc.url }, "live calls: the edge's dialogs are readable again");
        } catch (error) {
          const last = this.perEdge.get(rpc.url);
          if (last && last.misses < KEEP_AFTER_MISSES) last.misses++;
          else this.perEdge.delete(rpc.url);
          if (!this.failing.has(rpc.url)) this.log.warn({ edge: rpc.url, err: (error as Error).message }, "live calls: reading the edge's dialogs failed; its calls are left out after two more misses");
          this.failing.add(rpc.url);
        }
      }),
    );
    const totals = new Map<number, number>();
    for (const { counts } of this.perEdge.values()) for (const [id, n] of counts) totals.set(id, (totals.get(id) ?? 0) + n);
    const missing = [...totals.keys()].filter((id) => !this.sids.has(id));
    const sids = new Map([...this.sids].filter(([id]) => totals.has(id)));
    if (missing.length > 0) {
      try {
        for (const [id, sid] of await trunkSids(this.options.store, missing)) sids.set(id, sid);
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, "live calls: reading trunk sids failed; those trunks are left out of /metrics until the next poll");
      }
    }
    this.totals = totals;
    this.sids = sids;
  }
}

/** Labels of one counter series. `trunk` is "" for calls rejected before any trunk was known. */
export interface CallCount {
  trunk: string;
  status: string;
  code: number;
  value: number;
}

export interface CallCountersOptions {
  store: Store;
  intervalMs?: number;
  /** Rows read per query; at most 10 queries per interval. */
  batchSize?: number;
  /** An id skipped by a reader (a PostgreSQL insert not yet committed) is looked for this long. */
  gapMs?: number;
  log?: ComponentLog;
}

const MAX_BATCHES_PER_TICK = 10;
const MAX_GAPS = 10000;

interface CallRow {
  id: number;
  status: string;
  sip_code: number;
  trunk_in_id: number | null;
  trunk_out_id: number | null;
  in_sid: string | null;
  out_sid: string | null;
}

/**
 * `trunkline_calls_total`: finished calls counted when their record lands in `calls`, from this
 * process's start (the highest id then). A call counts on its inbound trunk and, when different,
 * its outbound trunk. PostgreSQL hands out serial ids before commit, so an id can appear after a
 * higher one: ids skipped over are looked for again for `gapMs` (default 60 s).
 */
export class CallCounters extends Poller {
  private lastId: number | undefined;
  private readonly counts = new Map<string, CallCount>();
  private readonly gaps = new Map<number, number>();
  private failing = false;

  constructor(private readonly options: CallCountersOptions) {
    super(options.intervalMs ?? LIVE_INTERVAL_MS, "call_counters", options.log);
  }

  /** Every series counted so far, by trunk, status and code. */
  samples(): CallCount[] {
    return [...this.counts.values()].sort((a, b) => (a.trunk !== b.trunk ? (a.trunk < b.trunk ? -1 : 1) : a.status !== b.status ? (a.status < b.status ? -1 : 1) : a.code - b.code));
  }

  /** Reads what landed since the last read (the first read only notes where the table ends). */
  protected async poll(): Promise<void> {
    try {
      await this.read();
      if (this.failing) this.log.info({}, "call counters: call records readable again");
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.log.warn({ err: (error as Error).message }, "call counters: reading call records failed; retrying");
      this.failing = true;
    }
  }

  /** Resolves once the starting point is known: records landing after this are counted. */
  async ready(timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastId === undefined) {
      if (Date.now() > deadline) throw new Error(`call counters not started within ${timeoutMs} ms`);
      await this.refresh();
      if (this.lastId === undefined) await new Promise((r) => setTimeout(r, 50));
    }
  }

  private rows() {
    return this.options.store.db
      .selectFrom("calls")
      .leftJoin("trunks as ti", "ti.id", "calls.trunk_in_id")
      .leftJoin("trunks as to", "to.id", "calls.trunk_out_id")
      .select(["calls.id", "calls.status", "calls.sip_code", "calls.trunk_in_id", "calls.trunk_out_id", "ti.sid as in_sid", "to.sid as out_sid"]);
  }

  private async read(): Promise<void> {
    const db = this.options.store.db;
    if (this.lastId === undefined) {
      const row = await db.selectFrom("calls").select((eb) => eb.fn.max("id").as("max")).executeTakeFirst();
      this.lastId = Number(row?.max ?? 0);
      return;
    }
    const batch = this.options.batchSize ?? 1000;
    const now = Date.now();
    if (this.gaps.size > 0) {
      const found = (await this.rows().where("calls.id", "in", [...this.gaps.keys()]).execute()) as CallRow[];
      for (const r of found) {
        this.gaps.delete(r.id);
        this.count(r);
      }
      const gapMs = this.options.gapMs ?? 60000;
      for (const [id, since] of this.gaps) if (now - since > gapMs) this.gaps.delete(id);
    }
    for (let i = 0; i < MAX_BATCHES_PER_TICK; i++) {
      const rows = (await this.rows().where("calls.id", ">", this.lastId).orderBy("calls.id").limit(batch).execute()) as CallRow[];
      for (const r of rows) {
        const id = Number(r.id);
        for (let gap = this.lastId + 1; gap < id && this.gaps.size < MAX_GAPS; gap++) this.gaps.set(gap, now);
        this.lastId = id;
        this.count(r);
      }
      if (rows.length < batch) break;
    }
  }

  private count(r: CallRow): void {
    const trunks = new Set<string>();
    if (r.trunk_in_id !== null) trunks.add(r.in_sid ?? "");
    if (r.trunk_out_id !== null && r.trunk_out_id !== r.trunk_in_id) trunks.add(r.out_sid ?? "");
    if (trunks.size === 0) trunks.add("");
    const code = Number(r.sip_code);
    for (const trunk of trunks) {
      const key = `${trunk}\u0000${r.status}\u0000${code}`;
      const c = this.counts.get(key);
      if (c) c.value++;
      else this.counts.set(key, { trunk, status: r.status, code, value: 1 });
    }
  }
}
