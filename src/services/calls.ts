import { setTimeout as sleep } from "node:timers/promises";
import type { CallDirection, CallHop, CallListQuery, CallPage, CallRecord, CallStats, CallStatsQuery, CallStatus } from "../domain/calls.js";
import { nowIso } from "../domain/time.js";
import { callsRepo, type CallRowWithTrunks } from "../store/repositories/calls.js";
import type { CallHopRow } from "../store/schema.js";
import type { ServiceContext } from "./context.js";

function mapHop(row: CallHopRow): CallHop {
  return { hop: row.hop, destination: row.destination, sipCode: row.sip_code, sipReason: row.sip_reason, at: row.at };
}

function mapCall(row: CallRowWithTrunks): CallRecord {
  return {
    sid: row.sid,
    accountSid: row.account_sid as string,
    trunkIn: row.trunk_in_sid !== null && row.trunk_in_uuid !== null ? { sid: row.trunk_in_sid, uuid: row.trunk_in_uuid } : null,
    trunkOut: row.trunk_out_sid !== null && row.trunk_out_uuid !== null ? { sid: row.trunk_out_sid, uuid: row.trunk_out_uuid } : null,
    direction: row.direction as CallDirection | null,
    from: row.from_number,
    to: row.to_number,
    dialString: row.dial_string,
    phoneNumber: row.phone_number,
    status: row.status as CallStatus,
    sipCode: row.sip_code,
    sipReason: row.sip_reason,
    destinationFirst: row.destination_first,
    destination: row.destination,
    attempts: row.attempts,
    startedAt: row.started_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    duration: row.duration,
    ringMs: row.ring_ms,
    edgeId: row.edge_id,
    callId: row.call_id,
    media: row.media_relay === null ? null : { relay: row.media_relay, packets: row.media_packets, bytes: row.media_bytes, errors: row.media_errors },
  };
}

export interface PruneOptions {
  /** Records per transaction (default 1,000). */
  batchSize?: number;
  /** Pause between batches, so writers (the edges) get the database in between (default 50 ms). */
  pauseMs?: number;
  /** Stops between batches when aborted. */
  signal?: AbortSignal;
}

/** Reading call records (the edge writes them) and pruning old ones. */
export class CallService {
  constructor(private readonly ctx: ServiceContext) {}

  /** One call of the account, or undefined: another account's call is not told apart from none. */
  async get(accountSid: string, sid: string, withHops: boolean): Promise<CallRecord | undefined> {
    const db = this.ctx.store.db;
    const row = await callsRepo.findBySid(db, accountSid, sid);
    if (!row) return undefined;
    const call = mapCall(row);
    if (withHops) call.hops = (await callsRepo.hopsOf(db, [sid])).map(mapHop);
    return call;
  }

  /** The position of one of the account's calls (carrier cursors name a call by its sid). */
  async positionOf(accountSid: string, sid: string) {
    const row = await callsRepo.findBySid(this.ctx.store.db, accountSid, sid);
    return row ? { startedAt: row.started_at, id: row.id } : undefined;
  }

  /** A page in the query's order: one query for the calls, one for their hops when asked. */
  async list(accountSid: string, query: CallListQuery): Promise<CallPage> {
    const db = this.ctx.store.db;
    const rows = await callsRepo.list(db, this.ctx.store.engine, accountSid, query);
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    if (query.before !== undefined) page.reverse();
    const items = page.map((r) => ({ ...mapCall(r), position: { startedAt: r.started_at, id: r.id } }));
    if (query.withHops) {
      const bySid = new Map<string, CallHop[]>();
      for (const h of await callsRepo.hopsOf(db, items.map((c) => c.sid))) {
        const list = bySid.get(h.call_sid) ?? [];
        list.push(mapHop(h));
        bySid.set(h.call_sid, list);
      }
      for (const c of items) c.hops = bySid.get(c.sid) ?? [];
    }
    // Walking forwards, the page we came from exists; walking back, the one we came from does.
    return query.before !== undefined ? { items, hasPrev: more, hasNext: true } : { items, hasPrev: query.after !== undefined, hasNext: more };
  }

  /**
   * Calls per bucket over `[from, to)`: one grouped query, then every bucket of the range filled
   * in (zeros included), oldest first, and the totals. The range and bucket size are the
   * caller's to bound (the dialect's parameters say how).
   */
  async stats(accountSid: string, query: CallStatsQuery): Promise<CallStats> {
    const rows = await callsRepo.stats(this.ctx.store.db, this.ctx.store.engine, accountSid, query);
    const fromMs = Date.parse(query.from);
    const count = Math.ceil((Date.parse(query.to) - fromMs) / (query.bucketSeconds * 1000));
    const buckets = Array.from({ length: count }, (_, i) => ({ start: nowIso(new Date(fromMs + i * query.bucketSeconds * 1000)), calls: 0, answered: 0, failed: 0 }));
    for (const r of rows) {
      const b = buckets[r.bucket];
      if (!b) continue;
      b.calls = r.calls;
      b.answered = r.answered;
      b.failed = r.calls - r.answered;
    }
    const calls = rows.reduce((n, r) => n + r.calls, 0);
    const answered = rows.reduce((n, r) => n + r.answered, 0);
    return { from: query.from, to: query.to, bucketSeconds: query.bucketSeconds, totals: { calls, answered, failed: calls - answered, answerRate: calls === 0 ? null : answered / calls }, buckets };
  }

  /**
   * Deletes records (and their hops) that started before `cutoff`, oldest first, in short
   * transactions of `batchSize` with a pause between: an edge writing a record waits at most one
   * batch. Several API processes may prune at once: PostgreSQL pruners skip each other's locked
   * rows, SQLite serialises the transactions; a row is deleted once either way.
   */
  async prune(cutoff: string, options: PruneOptions = {}): Promise<number> {
    const batchSize = options.batchSize ?? 1000;
    const pauseMs = options.pauseMs ?? 50;
    const { store } = this.ctx;
    let total = 0;
    for (;;) {
      if (options.signal?.aborted) return total;
      const deleted = await store.db.transaction().execute(async (tx) => {
        const rows = await callsRepo.oldest(tx, cutoff, batchSize, store.engine === "postgres");
        return { found: rows.length, deleted: await callsRepo.deleteCalls(tx, rows) };
      });
      total += deleted.deleted;
      if (deleted.found < batchSize) return total;
      await sleep(pauseMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }

  /** Prunes what is older than `days` days from now. */
  pruneOlderThan(days: number, options: PruneOptions = {}): Promise<number> {
    return this.prune(nowIso(new Date(Date.now() - days * 86_400_000)), options);
  }
}

/**
 * TRUNKLINE_CALL_RETENTION_DAYS in the API process: a prune at start, then every `intervalMs`.
 * Each process runs its own; they do not collide (see CallService.prune).
 */
export class CallRetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly calls: CallService,
    private readonly days: number,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): this {
    const run = () => {
      if (this.running) return;
      this.running = this.calls
        .pruneOlderThan(this.days, { signal: this.abort.signal })
        .catch(this.onError)
        .finally(() => {
          this.running = undefined;
        });
    };
    run();
    this.timer = setInterval(run, this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Resolves when the first prune (started by start()) or the current one is over. */
  async idle(): Promise<void> {
    await this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.abort.abort();
    await this.running;
  }
}
