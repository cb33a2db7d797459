import { stderrLog, type ComponentLog } from "../log.js";
import type { Change, ChangeFeed } from "../services/changeFeed.js";
import type { Store } from "../store/db.js";
import { HtableMirror, type HtableOps, type MirrorRow } from "./mirror.js";
import { EdgeRpc, RpcError } from "./rpc.js";
import { HTABLES, type EdgeViews, type HtableName } from "./views.js";

export interface ReloaderOptions {
  store: Store;
  feed: ChangeFeed;
  /** JSON-RPC URLs of the edges, e.g. http://127.0.0.1:5071/RPC (TRUNKLINE_EDGE_RPC_URLS). */
  urls: string[];
  /** Changes arriving within this window are applied together. */
  debounceMs?: number;
  /** How often each edge is asked whether it restarted (or came back). */
  pollMs?: number;
  log?: ComponentLog;
}

/** One edge as the reloader sees it (for /readyz and /metrics). */
export interface EdgeSyncStatus {
  url: string;
  /** Reconciled and no update to it has failed since. */
  inSync: boolean;
  /** Updates that failed, since the process started. */
  failedUpdates: number;
}

/** What a set of changes requires of the edges. */
interface Pending {
  numbers: Set<string>;
  trunks: Set<string>;
  routes: Set<string>;
  address: boolean;
  dispatcher: boolean;
}

interface Edge {
  rpc: EdgeRpc;
  /** Needs a full reload: never reconciled yet, restarted, or an update to it failed. */
  dirty: boolean;
  upSince: string | undefined;
  /** Consecutive failed updates: the exponent of the wait before the next attempt. */
  failures: number;
  /** Set while waiting before the next attempt; the edge is left alone meanwhile. */
  retryTimer: NodeJS.Timeout | undefined;
  failedUpdates: number;
  lastError: string | undefined;
}

const emptyPending = (): Pending => ({ numbers: new Set(), trunks: new Set(), routes: new Set(), address: false, dispatcher: false });
const attemptable = (e: Edge) => e.retryTimer === undefined;
/** 100 ms after the first failure, doubling up to 5 s: one attempt (and one log line) per wait. */
const backoffMs = (failures: number) => Math.min(5000, 100 * 2 ** Math.max(0, failures - 1));

/** Past this many key updates for one htable, reloading the whole table is cheaper. */
const MAX_KEY_OPS = 2000;
const PARALLEL_RPCS = 16;

/**
 * Keeps running edges in step with the store. After each committed change (ChangeFeed) it
 * updates htable keys one by one where it can and asks for a module reload where the module
 * only reloads whole (permissions, dispatcher). Work is serialised (one batch at a time),
 * debounced, and retried: an edge that failed an update, restarted, or was unreachable gets a
 * full reload once it answers again. Credentials need nothing: auth_db reads them per request.
 */
export class EdgeReloader {
  private readonly edges: Edge[];
  private readonly mirrors: Record<HtableName, HtableMirror> = { numbers: new HtableMirror(), trunks: new HtableMirror(), routes: new HtableMirror() };
  private mirrorsLoaded = false;
  private pending = emptyPending();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private poller: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private readonly debounceMs: number;
  private log: ComponentLog;

  constructor(private readonly options: ReloaderOptions) {
    this.edges = options.urls.map((url) => ({ rpc: new EdgeRpc(url), dirty: true, upSince: undefined, failures: 0, retryTimer: undefined, failedUpdates: 0, lastError: undefined }));
    this.debounceMs = options.debounceMs ?? 5;
    this.log = options.log ?? stderrLog("edge_reloader");
  }

  /** The server hands over its own logger once it has one. */
  setLogger(log: ComponentLog): void {
    this.log = log;
  }

  status(): EdgeSyncStatus[] {
    return this.edges.map((e) => ({ url: e.rpc.url, inSync: !e.dirty, failedUpdates: e.failedUpdates }));
  }

  start(): this {
    this.unsubscribe = this.options.feed.subscribe((changes) => this.enqueue(changes));
    const pollMs = this.options.pollMs ?? 1000;
    this.poller = setInterval(() => void this.poll(), pollMs);
    this.poller.unref();
    this.schedule(0);
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.poller) clearInterval(this.poller);
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    for (const edge of this.edges) {
      clearTimeout(edge.retryTimer);
      edge.rpc.close();
    }
  }

  /** Resolves once every change so far has reached every edge (tests and benchmarks wait on it). */
  async settled(timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.timer || this.running || this.hasPending() || this.edges.some((e) => e.dirty)) {
      if (Date.now() > deadline) throw new Error(`edge reloader not settled within ${timeoutMs} ms (edges: ${this.edges.map((e) => `${e.rpc.url}${e.dirty ? ` dirty: ${e.lastError ?? "not reconciled yet"}` : ""}`).join(", ")})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private enqueue(changes: Change[]): void {
    for (const c of changes) {
      const trunk = String(c.trunkId);
      switch (c.kind) {
        case "trunk":
          this.pending.numbers.add(trunk);
          this.pending.trunks.add(trunk);
          this.pending.routes.add(c.accountSid);
          this.pending.address = true;
          this.pending.dispatcher = true;
          break;
        case "phone_number":
          this.pending.numbers.add(trunk);
          break;
        case "whitelisted_ip":
          this.pending.address = true;
          break;
        case "destination":
          this.pending.dispatcher = true;
          this.pending.trunks.add(trunk);
          break;
        case "setting":
          this.pending.trunks.add(trunk);
          break;
        case "credential":
          break;
      }
    }
    this.schedule(this.debounceMs);
  }

  private hasPending(): boolean {
    const p = this.pending;
    return p.numbers.size + p.trunks.size + p.routes.size > 0 || p.address || p.dispatcher;
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) return; // the running batch re-checks for work when it ends
      this.running = this.runBatches().finally(() => {
        this.running = undefined;
        if (this.hasPending() || this.edges.some((e) => e.dirty && attemptable(e))) this.schedule(0);
      });
    }, delayMs);
  }

  private async runBatches(): Promise<void> {
    while (!this.stopped && (this.hasPending() || this.edges.some((e) => e.dirty && attemptable(e)))) {
      const batch = this.pending;
      this.pending = emptyPending();
      try {
        if (!this.mirrorsLoaded) await this.loadMirrors();
        const ops = await this.diff(batch);
        // An edge waiting to retry is dirty: its full reload will carry this batch too.
        await Promise.all(this.edges.filter(attemptable).map((edge) => this.update(edge, batch, ops)));
      } catch (error) {
        // The store failed: keep the work and try again shortly.
        this.log.warn({ err: (error as Error).message }, "edge reloader: reading the store failed; retrying");
        this.merge(batch);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private merge(batch: Pending): void {
    for (const k of ["numbers", "trunks", "routes"] as const) for (const v of batch[k]) this.pending[k].add(v);
    this.pending.address ||= batch.address;
    this.pending.dispatcher ||= batch.dispatcher;
  }

  private async update(edge: Edge, batch: Pending, ops: Record<HtableName, HtableOps>): Promise<void> {
    try {
      if (edge.dirty) {
        await this.fullReload(edge);
      } else {
        for (const name of Object.keys(ops) as HtableName[]) await this.applyOps(edge, name, ops[name]);
        if (batch.address) await this.reload(edge, "permissions.addressReload");
        if (batch.dispatcher) await this.reload(edge, "dispatcher.reload");
      }
      edge.failures = 0;
    } catch (error) {
      edge.dirty = true;
      edge.failures++;
      edge.failedUpdates++;
      edge.lastError = (error as Error).message;
      const waitMs = backoffMs(edge.failures);
      this.log.warn({ edge: edge.rpc.url, err: edge.lastError, retryInMs: waitMs }, "edge update failed; it will be reloaded fully once it answers");
      if (!this.stopped) {
        edge.retryTimer = setTimeout(() => {
          edge.retryTimer = undefined;
          this.schedule(0);
        }, waitMs);
        edge.retryTimer.unref();
      }
    }
  }

  private async fullReload(edge: Edge): Promise<void> {
    const uptime = await edge.rpc.call<{ up_since?: string }>("core.uptime");
    for (const name of Object.keys(HTABLES) as HtableName[]) await edge.rpc.call("htable.reload", [name]);
    await edge.rpc.call("htable.reload", ["countries"]);
    await this.reload(edge, "permissions.addressReload");
    await this.reload(edge, "dispatcher.reload");
    edge.upSince = uptime.up_since;
    edge.dirty = false;
    this.log.info({ edge: edge.rpc.url }, "edge reconciled with the store");
  }

  private async applyOps(edge: Edge, name: HtableName, ops: HtableOps): Promise<void> {
    if (ops.sets.length + ops.deletes.length > MAX_KEY_OPS) {
      await edge.rpc.call("htable.reload", [name]);
      return;
    }
    const calls: Array<() => Promise<unknown>> = [
      ...ops.deletes.map((key) => () => edge.rpc.call("htable.delete", [name, key])),
      ...ops.sets.map(([key, value]) => () => edge.rpc.call("htable.sets", [name, key, value])),
    ];
    for (let i = 0; i < calls.length; i += PARALLEL_RPCS) await Promise.all(calls.slice(i, i + PARALLEL_RPCS).map((f) => f()));
  }

  /** Module reloads are rate limited (reload_delta); inside the window the edge says so: retry. */
  private async reload(edge: Edge, method: string): Promise<void> {
    const deadline = Date.now() + 10000;
    for (;;) {
      try {
        await edge.rpc.call(method);
        return;
      } catch (error) {
        if (!(error instanceof RpcError) || !/ongoing|in progress|too soon/i.test(error.message) || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Asks each edge when it started; a new start time, or an answer after silence, means reconcile. */
  private async poll(): Promise<void> {
    let changed = false;
    await Promise.all(
      this.edges.map(async (edge) => {
        try {
          const uptime = await edge.rpc.call<{ up_since?: string }>("core.uptime");
          if (!edge.dirty && edge.upSince !== undefined && uptime.up_since !== edge.upSince) {
            edge.dirty = true;
            changed = true;
          }
          if (edge.dirty) {
            // It answers: no need to wait out the backoff.
            clearTimeout(edge.retryTimer);
            edge.retryTimer = undefined;
            changed = true;
          }
        } catch {
          edge.dirty = true;
        }
      }),
    );
    if (changed) this.schedule(0);
  }

  private async loadMirrors(): Promise<void> {
    for (const name of Object.keys(HTABLES) as HtableName[]) this.mirrors[name].replaceAll(await this.rows(name));
    this.mirrorsLoaded = true;
  }

  private async diff(batch: Pending): Promise<Record<HtableName, HtableOps>> {
    const out = {} as Record<HtableName, HtableOps>;
    for (const name of Object.keys(HTABLES) as HtableName[]) {
      const scopes = [...batch[name]];
      out[name] = scopes.length === 0 ? { sets: [], deletes: [] } : this.mirrors[name].diff(scopes, await this.rows(name, scopes));
    }
    return out;
  }

  /** The view's rows, all of them or those of some scopes (trunk ids or account sids). */
  private async rows(name: HtableName, scopes?: string[]): Promise<MirrorRow[]> {
    const { view, scope } = HTABLES[name];
    const db = this.options.store.db.withTables<EdgeViews>();
    const read = async (subset?: string[]) => {
      let q = db.selectFrom(view).select(["key_name", "key_value", `${scope} as scope`]);
      if (subset) q = q.where(scope, "in", scope === "trunk_id" ? subset.map(Number) : subset);
      const rows = (await q.execute()) as Array<{ key_name: string; key_value: string; scope: string | number }>;
      return rows.map((r) => ({ key: r.key_name, value: r.key_value, scope: String(r.scope) }));
    };
    if (!scopes) return read();
    const out: MirrorRow[] = [];
    for (let i = 0; i < scopes.length; i += 500) out.push(...(await read(scopes.slice(i, i + 500))));
    return out;
  }
}
