import { stderrLog, type ComponentLog } from "../log.js";
import { Buckets, SYNC_BUCKETS } from "../metrics/histogram.js";
import type { Change, ChangeFeed } from "../services/changeFeed.js";
import type { Store } from "../store/db.js";
import { edgeBans } from "./bans.js";
import { DestinationHealthCache, reloadKeepingDown } from "./health.js";
import { CallCounters, LiveCalls } from "./live.js";
import { recordStats, type RecordStats } from "./recordDrain.js";
import { HtableMirror, type HtableOps, type MirrorRow } from "./mirror.js";
import { CHANGE_EFFECTS, HTABLE_NAMES, HTABLES, MODULE_RELOADS, STATIC_HTABLES, type EdgeViews, type HtableName, type ReloadedModule } from "./projection.js";
import { DEFAULT_FORGET_AFTER_SECONDS, listEdges, type RegisteredEdge } from "./registry.js";
import { EdgeRpc, edgeAnswered, RpcError } from "./rpc.js";

export interface ReloaderOptions {
  store: Store;
  feed: ChangeFeed;
  /** JSON-RPC URLs of edges always kept in step, registered or not (TRUNKLINE_EDGE_RPC_URLS). */
  urls: string[];
  /** Find the edges registered in the store (default); `false`: only `urls`. */
  discover?: { intervalMs?: number; forgetAfterSeconds?: number } | false;
  /** Changes arriving within this window are applied together. */
  debounceMs?: number;
  /** How often each edge is asked whether it restarted (or came back). */
  pollMs?: number;
  /** Live calls per trunk and call counters (src/edge/live.ts): how often they are refreshed; `false`: not kept. */
  live?: { intervalMs?: number } | false;
  /** Destination health read from the edges (src/edge/health.ts): how often; `false`: not kept. */
  health?: { intervalMs?: number } | false;
  log?: ComponentLog;
}

/**
 * An edge's state: `in_sync` (has every committed change), `syncing` (not reconciled yet, no
 * failure), `degraded` (its last update failed; retried with backoff), `down` (registered, but
 * its heartbeat stopped: not written to until it beats again).
 */
export type EdgeState = "in_sync" | "syncing" | "degraded" | "down";

/** One edge as the reloader sees it (for /readyz and /metrics). */
export interface EdgeSyncStatus {
  url: string;
  state: EdgeState;
  /** Reconciled and no update to it has failed since. */
  inSync: boolean;
  /** Registered and heartbeating, or (configured only) answering JSON-RPC. */
  up: boolean;
  /** Updates that failed, since the process started. */
  failedUpdates: number;
  /** Listed in TRUNKLINE_EDGE_RPC_URLS. */
  configured: boolean;
  /** From its registration, when it registered itself. */
  region?: string;
  sipAddress?: string;
  heartbeatAt?: string;
  heartbeatAgeSeconds?: number;
  lastError?: string;
  /** Updates sent to it (/metrics). */
  sync: EdgeSyncStats;
}

/** Each full reload or set of key updates sent to an edge, counted and timed (/metrics). */
export interface EdgeSyncStats {
  ok: { full: number; update: number };
  failed: { full: number; update: number };
  seconds: { full: Buckets; update: Buckets };
  /** When the last one succeeded (ms since the epoch). */
  lastSuccessAt: number | undefined;
}

/** What a set of changes requires of the edges. */
type Pending = Record<HtableName, Set<string>> & Record<ReloadedModule, boolean>;

interface Edge {
  rpc: EdgeRpc;
  configured: boolean;
  registration: RegisteredEdge | undefined;
  /** Needs a full reload: never reconciled yet, restarted, or an update to it failed. */
  dirty: boolean;
  upSince: string | undefined;
  /** Whether the last call to it got an answer (undefined: not asked yet). */
  reachable: boolean | undefined;
  /** Consecutive failed updates: the exponent of the wait before the next attempt. */
  failures: number;
  /** Set while waiting before the next attempt; the edge is left alone meanwhile. */
  retryTimer: NodeJS.Timeout | undefined;
  /** The last failure was no answer at all: the poll may end the wait as soon as it answers. */
  unreachable: boolean;
  failedUpdates: number;
  lastError: string | undefined;
  sync: EdgeSyncStats;
}

const newSyncStats = (): EdgeSyncStats => ({ ok: { full: 0, update: 0 }, failed: { full: 0, update: 0 }, seconds: { full: new Buckets(SYNC_BUCKETS), update: new Buckets(SYNC_BUCKETS) }, lastSuccessAt: undefined });
const emptyPending = (): Pending => ({ numbers: new Set(), trunks: new Set(), routes: new Set(), permissions: false, dispatcher: false });
/** Registered, heartbeat stopped, and not in the override list: left alone until it beats again. */
const isDown = (e: Edge) => e.registration !== undefined && !e.registration.live;
const skipped = (e: Edge) => isDown(e) && !e.configured;
const attemptable = (e: Edge) => e.retryTimer === undefined && !skipped(e);
/** 100 ms after the first failure, doubling up to 5 s: one attempt (and one log line) per wait. */
export const backoffMs = (failures: number): number => Math.min(5000, 100 * 2 ** Math.max(0, failures - 1));

/** Past this many key updates for one htable, reloading the whole table is cheaper. */
const MAX_KEY_OPS = 2000;
const PARALLEL_RPCS = 16;

/**
 * Keeps running edges in step with the store. The edges are those registered in the store
 * (found every 2 s) plus TRUNKLINE_EDGE_RPC_URLS. After each committed change (ChangeFeed) it
 * updates htable keys one by one where it can and asks for a module reload where the module
 * only reloads whole (permissions, dispatcher). Work is serialised (one batch at a time),
 * debounced, and retried: an edge that is new, failed an update, restarted, or was unreachable
 * gets a full reload once it answers again. Credentials need nothing: auth_db reads them per
 * request.
 */
export class EdgeReloader {
  private readonly edges = new Map<string, Edge>();
  private readonly mirrors: Record<HtableName, HtableMirror> = { numbers: new HtableMirror(), trunks: new HtableMirror(), routes: new HtableMirror() };
  /** The mirrors hold what clean edges have; without a clean edge they are dropped and reloaded before the next full reload. */
  private mirrorsLoaded: Promise<void> | undefined;
  private pending = emptyPending();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private poller: NodeJS.Timeout | undefined;
  private discoverer: NodeJS.Timeout | undefined;
  private discovering: Promise<void> | undefined;
  private discoveryFailing = false;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private readonly debounceMs: number;
  private log: ComponentLog;
  /** Calls up now per trunk on the edges that are not down (GET of a trunk, /metrics). */
  readonly live: LiveCalls;
  /** Finished calls by trunk, status and code, from the call records (/metrics). */
  readonly callCounters: CallCounters;
  /** Destinations' probe states on the edges that are not down (destination-uris, sip_trunks, /metrics). */
  readonly health: DestinationHealthCache;

  constructor(private readonly options: ReloaderOptions) {
    for (const url of options.urls) this.edges.set(url, this.newEdge(url, true));
    this.debounceMs = options.debounceMs ?? 5;
    this.log = options.log ?? stderrLog("edge_reloader");
    const intervalMs = (options.live || undefined)?.intervalMs;
    this.live = new LiveCalls({ store: options.store, intervalMs, edges: () => [...this.edges.values()].filter((e) => !isDown(e)).map((e) => e.rpc) });
    this.callCounters = new CallCounters({ store: options.store, intervalMs });
    this.health = new DestinationHealthCache({
      intervalMs: (options.health || undefined)?.intervalMs,
      edges: () => [...this.edges.values()].filter((e) => !isDown(e)).map((e) => ({ rpc: e.rpc, name: e.registration?.sipAddress ?? e.rpc.url })),
    });
  }

  private newEdge(url: string, configured: boolean): Edge {
    return { rpc: new EdgeRpc(url), configured, registration: undefined, dirty: true, upSince: undefined, reachable: undefined, failures: 0, retryTimer: undefined, unreachable: false, failedUpdates: 0, lastError: undefined, sync: newSyncStats() };
  }

  /** The server hands over its own logger once it has one. */
  setLogger(log: ComponentLog): void {
    this.log = log;
    this.live.setLogger(log);
    this.callCounters.setLogger(log);
    this.health.setLogger(log);
  }

  status(): EdgeSyncStatus[] {
    return [...this.edges.values()].map((e) => {
      const r = e.registration;
      const state: EdgeState = isDown(e) ? "down" : !e.dirty ? "in_sync" : e.failures > 0 ? "degraded" : "syncing";
      return {
        url: e.rpc.url,
        state,
        inSync: !e.dirty,
        up: r ? r.live : e.reachable === true,
        failedUpdates: e.failedUpdates,
        configured: e.configured,
        sync: e.sync,
        ...(r ? { region: r.region, sipAddress: r.sipAddress, heartbeatAt: r.heartbeatAt, heartbeatAgeSeconds: r.ageSeconds } : {}),
        ...(e.dirty && e.lastError ? { lastError: e.lastError } : {}),
      };
    });
  }

  /**
   * Addresses each edge that is up is banning (src/edge/bans.ts), asked at most `timeoutMs`: an
   * edge that does not answer in time is left out.
   */
  async banCounts(timeoutMs = 1000): Promise<Map<string, number>> {
    const bans = await this.askEachEdge(edgeBans, timeoutMs);
    return new Map([...bans].map(([url, list]) => [url, list.length]));
  }

  /** Each edge's call record counters (src/edge/recordDrain.ts), asked like banCounts. */
  recordStats(timeoutMs = 1000): Promise<Map<string, RecordStats>> {
    return this.askEachEdge(recordStats, timeoutMs);
  }

  /** One question to every edge that is up, in parallel; an edge that fails or is late is left out. */
  private async askEachEdge<T>(ask: (rpc: EdgeRpc) => Promise<T>, timeoutMs: number): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    await Promise.all(
      [...this.edges.values()]
        .filter((e) => !isDown(e))
        .map(async (edge) => {
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, timeoutMs, undefined)));
          const answer = await Promise.race([ask(edge.rpc).catch(() => undefined), late]);
          clearTimeout(timer);
          if (answer !== undefined) out.set(edge.rpc.url, answer);
        }),
    );
    return out;
  }

  start(): this {
    this.unsubscribe = this.options.feed.subscribe((changes) => this.enqueue(changes));
    this.poller = setInterval(() => void this.poll(), this.options.pollMs ?? 1000);
    this.poller.unref();
    if (this.options.discover !== false) {
      const every = this.options.discover?.intervalMs ?? 2000;
      void this.discover();
      this.discoverer = setInterval(() => void this.discover(), every);
      this.discoverer.unref();
    }
    if (this.options.live !== false) {
      this.live.start();
      this.callCounters.start();
    }
    if (this.options.health !== false) this.health.start();
    this.schedule(0);
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.poller);
    clearInterval(this.discoverer);
    clearTimeout(this.timer);
    await this.live.stop();
    await this.callCounters.stop();
    await this.health.stop();
    await this.discovering;
    await this.running;
    for (const edge of this.edges.values()) {
      clearTimeout(edge.retryTimer);
      edge.rpc.close();
    }
  }

  /**
   * For a short-lived writer (the CLI in store mode): reads the registry now, then waits until
   * this process's changes have reached every live edge. Its feed is in-process, so no other
   * process would push them; an edge it has not reconciled yet gets a full reload, which carries them.
   */
  async reachEdges(timeoutMs = 15000): Promise<void> {
    await this.discover();
    await this.settled(timeoutMs);
  }

  /** Resolves once every change so far has reached every edge that is not down (tests and benchmarks wait on it). */
  async settled(timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const behind = () => [...this.edges.values()].filter((e) => e.dirty && !skipped(e));
    while (this.timer || this.running || this.hasPending() || behind().length > 0) {
      if (Date.now() > deadline) throw new Error(`edge reloader not settled within ${timeoutMs} ms (edges behind: ${behind().map((e) => `${e.rpc.url}: ${e.lastError ?? "not reconciled yet"}`).join(", ") || "none, work queued"})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Reads the registered edges: new ones are reconciled, ones that stopped beating left alone, forgotten ones dropped. */
  private discover(): Promise<void> {
    if (this.discovering || this.stopped) return this.discovering ?? Promise.resolve();
    this.discovering = (async () => {
      let rows: RegisteredEdge[];
      try {
        rows = await listEdges(this.options.store, (this.options.discover || undefined)?.forgetAfterSeconds ?? DEFAULT_FORGET_AFTER_SECONDS);
        if (this.discoveryFailing) this.log.info({}, "edge registry readable again");
        this.discoveryFailing = false;
      } catch (error) {
        if (!this.discoveryFailing) this.log.warn({ err: (error as Error).message }, "edge reloader: reading the edge registry failed; keeping the edges known so far");
        this.discoveryFailing = true;
        return;
      }
      if (this.stopped) return;
      let changed = false;
      const seen = new Set<string>();
      for (const row of rows) {
        seen.add(row.rpcUrl);
        let edge = this.edges.get(row.rpcUrl);
        if (!edge) {
          edge = this.newEdge(row.rpcUrl, false);
          this.edges.set(row.rpcUrl, edge);
          if (row.live) this.log.info({ edge: row.rpcUrl, region: row.region, sip: row.sipAddress }, "edge registered; reconciling it with the store");
          changed = true;
        }
        const before = edge.registration;
        edge.registration = row;
        if (!row.live) {
          // Not written to while down; reconciled whole when it beats again.
          if (!before || before.live) {
            if (before) this.log.warn({ edge: row.rpcUrl, lastHeartbeat: row.heartbeatAt, stopped: row.stoppedAt !== null }, "edge down: its heartbeat stopped");
            // Listed in TRUNKLINE_EDGE_RPC_URLS: still written to, so still in step.
            if (!edge.configured) edge.dirty = true;
          }
        } else if (before && (!before.live || before.id !== row.id)) {
          // Back, or a new start at the same address: reconcile now, whatever the backoff said.
          edge.dirty = true;
          clearTimeout(edge.retryTimer);
          edge.retryTimer = undefined;
          edge.failures = 0;
          changed = true;
        }
      }
      for (const [url, edge] of this.edges) {
        if (edge.configured) {
          if (!seen.has(url)) edge.registration = undefined;
          continue;
        }
        if (seen.has(url)) continue;
        this.edges.delete(url);
        clearTimeout(edge.retryTimer);
        edge.rpc.close();
        this.log.info({ edge: url }, "edge forgotten (its registration is gone)");
      }
      if (changed || this.hasWork()) this.schedule(0);
    })().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private enqueue(changes: Change[]): void {
    for (const c of changes) {
      const effects = CHANGE_EFFECTS[c.kind];
      for (const name of effects.htables) this.pending[name].add(HTABLES[name].scope === "trunk_id" ? String(c.trunkId) : c.accountSid);
      for (const module of effects.reload) this.pending[module] = true;
    }
    this.schedule(this.debounceMs);
  }

  private hasPending(): boolean {
    const p = this.pending;
    return HTABLE_NAMES.some((name) => p[name].size > 0) || p.permissions || p.dispatcher;
  }

  private hasWork(): boolean {
    return this.hasPending() || [...this.edges.values()].some((e) => e.dirty && attemptable(e));
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) return; // the running batch re-checks for work when it ends
      this.running = this.runBatches().finally(() => {
        this.running = undefined;
        if (this.hasWork()) this.schedule(0);
      });
    }, delayMs);
  }

  private async runBatches(): Promise<void> {
    while (!this.stopped && this.hasWork()) {
      const batch = this.pending;
      this.pending = emptyPending();
      const targets = [...this.edges.values()].filter(attemptable);
      try {
        let ops: Record<HtableName, HtableOps> | undefined;
        if ([...this.edges.values()].some((e) => !e.dirty && !skipped(e))) {
          await this.loadMirrors();
          ops = await this.diff(batch);
        } else {
          // No edge takes key updates (none, or all due for a full reload): no need to diff. The
          // mirrors miss this batch from now on, so they are read afresh before the next reload.
          this.mirrorsLoaded = undefined;
        }
        // An edge waiting to retry is dirty: its full reload will carry this batch too.
        await Promise.all(targets.map((edge) => this.update(edge, batch, ops)));
      } catch (error) {
        // The store failed: keep the work and try again shortly.
        this.log.warn({ err: (error as Error).message }, "edge reloader: reading the store failed; retrying");
        this.mirrorsLoaded = undefined;
        this.merge(batch);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private merge(batch: Pending): void {
    for (const name of HTABLE_NAMES) for (const v of batch[name]) this.pending[name].add(v);
    this.pending.permissions ||= batch.permissions;
    this.pending.dispatcher ||= batch.dispatcher;
  }

  private async update(edge: Edge, batch: Pending, ops: Record<HtableName, HtableOps> | undefined): Promise<void> {
    const kind = edge.dirty ? "full" : "update";
    // A clean edge is passed every batch, also one that only another edge's reload needed: not a sync.
    const idle = kind === "update" && (!ops || HTABLE_NAMES.every((n) => ops[n].sets.length + ops[n].deletes.length === 0)) && !batch.permissions && !batch.dispatcher;
    const started = performance.now();
    try {
      if (edge.dirty) {
        await this.fullReload(edge);
      } else if (ops) {
        for (const name of HTABLE_NAMES) await this.applyOps(edge, name, ops[name]);
        for (const module of Object.keys(MODULE_RELOADS) as ReloadedModule[]) if (batch[module]) await this.reload(edge, MODULE_RELOADS[module]);
      }
      edge.failures = 0;
      edge.reachable = true;
      if (!idle) {
        edge.sync.ok[kind]++;
        edge.sync.seconds[kind].observe((performance.now() - started) / 1000);
        edge.sync.lastSuccessAt = Date.now();
      }
    } catch (error) {
      edge.sync.failed[kind]++;
      edge.sync.seconds[kind].observe((performance.now() - started) / 1000);
      edge.dirty = true;
      edge.failures++;
      edge.failedUpdates++;
      edge.lastError = (error as Error).message;
      edge.unreachable = !edgeAnswered(error);
      edge.reachable = !edge.unreachable;
      const waitMs = backoffMs(edge.failures);
      // Said as it will happen: an edge that answered with an error is retried after the wait,
      // and only then; one that did not answer is retried after it, or as soon as it answers.
      if (edge.unreachable) this.log.warn({ edge: edge.rpc.url, err: edge.lastError, retryInMs: waitMs }, `edge unreachable; full reload in ${waitMs} ms, or as soon as it answers`);
      else this.log.warn({ edge: edge.rpc.url, err: edge.lastError, retryInMs: waitMs }, `edge update failed; full reload in ${waitMs} ms`);
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
    // Key updates after this reload are diffed against the mirrors: they must not be newer than it.
    await this.loadMirrors();
    const uptime = await edge.rpc.call<{ up_since?: string }>("core.uptime");
    for (const name of [...HTABLE_NAMES, ...(Object.keys(STATIC_HTABLES) as string[])]) await edge.rpc.call("htable.reload", [name]);
    for (const method of Object.values(MODULE_RELOADS)) await this.reload(edge, method);
    edge.upSince = uptime.up_since;
    edge.dirty = false;
    edge.lastError = undefined;
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
    // dispatcher.reload forgets which destinations the probes found down: marked down again after it.
    if (method === MODULE_RELOADS.dispatcher) return reloadKeepingDown(edge.rpc, () => this.reloadOnce(edge, method));
    return this.reloadOnce(edge, method);
  }

  private async reloadOnce(edge: Edge, method: string): Promise<void> {
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

  /**
   * Asks each edge when it started: a new start time means reconcile. An edge that did not
   * answer and now does has its wait cut short; one that answered with an error keeps its wait
   * (answering core.uptime says nothing about the reload that failed).
   */
  private async poll(): Promise<void> {
    let changed = false;
    await Promise.all(
      [...this.edges.values()].filter((e) => !skipped(e)).map(async (edge) => {
        try {
          const uptime = await edge.rpc.call<{ up_since?: string }>("core.uptime");
          edge.reachable = true;
          if (!edge.dirty && edge.upSince !== undefined && uptime.up_since !== edge.upSince) {
            edge.dirty = true;
            changed = true;
          }
          if (edge.dirty && edge.unreachable && edge.retryTimer) {
            clearTimeout(edge.retryTimer);
            edge.retryTimer = undefined;
            edge.unreachable = false;
            changed = true;
          }
        } catch (error) {
          edge.reachable = false;
          if (!edgeAnswered(error)) edge.unreachable = true;
          edge.dirty = true;
        }
      }),
    );
    if (changed) this.schedule(0);
  }

  /** Reads every synced htable's rows into the mirrors, once until they are dropped. */
  private loadMirrors(): Promise<void> {
    this.mirrorsLoaded ??= (async () => {
      for (const name of HTABLE_NAMES) this.mirrors[name].replaceAll(await this.rows(name));
    })().catch((error: unknown) => {
      this.mirrorsLoaded = undefined;
      throw error;
    });
    return this.mirrorsLoaded;
  }

  private async diff(batch: Pending): Promise<Record<HtableName, HtableOps>> {
    const out = {} as Record<HtableName, HtableOps>;
    for (const name of HTABLE_NAMES) {
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
