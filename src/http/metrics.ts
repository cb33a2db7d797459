import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from "prom-client";
import { HistogramFamily, HTTP_BUCKETS, QUERY_BUCKETS, SYNC_BUCKETS, type Buckets } from "../metrics/histogram.js";
import type { RecordStats } from "../edge/recordDrain.js";
import type { ResponseObserver } from "./accessLog.js";
import type { AppDeps } from "./deps.js";
import type { RateLimiterStats } from "./redisRateLimiter.js";

/** The dialects, by the prefix of their routes (rate-limit refusals are counted per dialect). */
const DIALECTS = [
  ["/v2/", "exotel"],
  ["/v1/", "exotel_v1"],
  ["/carrier/", "carrier"],
] as const;
const dialectOf = (path: string): string => DIALECTS.find(([prefix]) => path.startsWith(prefix))?.[1] ?? "none";

/** The route label of a request no route matched (its URL is never a label: unbounded). */
const UNMATCHED = "unmatched";

/** One route's series of the request histogram, by method and status code. */
class RouteSeries {
  private readonly byMethod = new Map<string, Map<number, Buckets>>();

  constructor(
    private readonly family: HistogramFamily,
    readonly route: string,
    readonly dialect: string,
  ) {}

  at(method: string, status: number): Buckets {
    let byStatus = this.byMethod.get(method);
    if (!byStatus) this.byMethod.set(method, (byStatus = new Map()));
    let b = byStatus.get(status);
    if (!b) {
      const code = String(status);
      b = this.family.at(`${method} ${this.route} ${code}`, { method, route: this.route, status_code: code });
      byStatus.set(status, b);
    }
    return b;
  }
}

let processRegistry: Registry | undefined;

/**
 * prom-client's process and Node.js metrics (CPU, memory, file descriptors, event loop lag, GC,
 * heap) under their standard names, so stock Node.js dashboards read them. Collected once per
 * process (its event-loop and GC monitors are per process), shared by every app's registry.
 */
function processMetrics(): Metric[] {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry.getMetricsAsArray() as unknown as Metric[];
}


/**
 * `/metrics` in the Prometheus text format, from a prom-client Registry of this app's own (several
 * apps may run in one process). Outside the dialect prefixes, so it needs no API credentials —
 * expose it only where the scraper can reach it. docs/metrics.md lists every metric.
 *
 * Per request (the returned observer): three map lookups for the route's series and one bucket
 * count; everything else (totals by status, refusals) is derived from those series when scraped.
 */
export function registerMetrics(app: FastifyInstance, { store, limiter, edge, media }: Pick<AppDeps, "store" | "limiter" | "edge" | "media">): ResponseObserver {
  const registry = new Registry();
  const started = Date.now();
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void | Promise<void>) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect: async function (this: Gauge) {
      this.reset();
      await collect(this);
    } });
  const counter = (name: string, help: string, labelNames: string[], collect: (c: Counter) => void) =>
    new Counter({ name, help, labelNames, registers: [registry], collect: function (this: Counter) {
      this.reset();
      collect(this);
    } });

  // --- HTTP
  const requests = new HistogramFamily("trunkline_http_request_duration_seconds", "Time from routing a request to the end of its response, by method, route pattern and status code.", HTTP_BUCKETS).register(registry);
  const routes = new Map<string, RouteSeries>();
  const unmatched = new Map<string, RouteSeries>();
  const refusals: Record<string, number> = { exotel: 0, exotel_v1: 0, carrier: 0 };
  const observe: ResponseObserver = (req, reply, pattern) => {
    const status = reply.statusCode;
    let series: RouteSeries | undefined;
    if (pattern === undefined) {
      const dialect = dialectOf(req.url);
      series = unmatched.get(dialect);
      if (!series) unmatched.set(dialect, (series = new RouteSeries(requests, UNMATCHED, dialect)));
    } else {
      series = routes.get(pattern);
      if (!series) routes.set(pattern, (series = new RouteSeries(requests, pattern, dialectOf(pattern))));
    }
    series.at(req.method, status).observe(reply.elapsedTime / 1000);
    // Both dialects answer 429 only when the rate limiter refuses (exotel/auth.ts, carrier/auth.ts).
    if (status === 429) refusals[series.dialect] = (refusals[series.dialect] ?? 0) + 1;
  };
  counter("trunkline_http_responses_total", "HTTP responses sent, by status code.", ["code"], (c) => {
    const byCode = new Map<string, number>();
    for (const s of requests.all()) byCode.set(s.labels.status_code as string, (byCode.get(s.labels.status_code as string) ?? 0) + s.buckets.count);
    for (const code of [...byCode.keys()].sort()) c.inc({ code }, byCode.get(code));
  });
  counter("trunkline_rate_limit_refusals_total", "Requests refused by the per-account rate limit (429), by dialect.", ["dialect"], (c) => {
    for (const [dialect, n] of Object.entries(refusals)) c.inc({ dialect }, n);
  });

  // --- Rate limiter
  gauge("trunkline_rate_limiter_degraded", "1 while the shared rate limiter (Redis) is unreachable and requests are let through uncounted.", [], (g) => g.set(limiter.healthy() ? 0 : 1));
  const stats = (limiter as Partial<{ stats(): RateLimiterStats }>).stats?.bind(limiter);
  if (stats) {
    counter("trunkline_rate_limiter_fail_open_total", "Requests allowed without being counted because the rate limiter was degraded.", [], (c) => c.inc(stats().failOpen));
    counter("trunkline_rate_limiter_outages_total", "Times the shared rate limiter went from healthy to degraded.", [], (c) => c.inc(stats().outages));
  }

  // --- Store
  const engine = store.engine;
  const queries = new HistogramFamily("trunkline_db_query_duration_seconds", "Time the database took to answer a statement (on its connection; pool waits excluded), by engine and statement (verb and first table).", QUERY_BUCKETS).register(registry);
  const byQuery = new Map<string, { buckets: Buckets; ok: number; failed: number }>();
  const unobserve = store.queries.observe((query, seconds, failed) => {
    let q = byQuery.get(query);
    if (!q) byQuery.set(query, (q = { buckets: queries.at(query, { engine, query }), ok: 0, failed: 0 }));
    q.buckets.observe(seconds);
    if (failed) q.failed++;
    else q.ok++;
  });
  app.addHook("onClose", (_app, done) => {
    unobserve();
    done();
  });
  counter("trunkline_db_queries_total", "Statements run, by engine, statement (verb and first table) and result (ok, error).", ["engine", "query", "result"], (c) => {
    for (const [query, q] of byQuery) {
      c.inc({ engine, query, result: "ok" }, q.ok);
      if (q.failed > 0) c.inc({ engine, query, result: "error" }, q.failed);
    }
  });

  if (edge) registerEdgeMetrics(registry, edge, gauge, counter);
  if (media) registerMediaMetrics(media, gauge, counter);

  // --- Process: prom-client's (process_resident_memory_bytes among them), and two of ours kept by name.
  for (const m of processMetrics()) registry.registerMetric(m);
  gauge("nodejs_heap_used_bytes", "V8 heap in use, in bytes.", [], (g) => g.set(process.memoryUsage().heapUsed));
  gauge("process_uptime_seconds", "Seconds since the server was built.", [], (g) => g.set(Math.round((Date.now() - started) / 1000)));

  app.get("/metrics", { schema: { hide: true }, logLevel: "warn" }, async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  return observe;
}

type GaugeOf = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void | Promise<void>) => Gauge;
type CounterOf = (name: string, help: string, labelNames: string[], collect: (c: Counter) => void) => Counter;

function registerEdgeMetrics(registry: Registry, edge: NonNullable<AppDeps["edge"]>, gauge: GaugeOf, counter: CounterOf): void {
  gauge("trunkline_edges", "Edges this process keeps in step (registered in the store or in TRUNKLINE_EDGE_RPC_URLS).", [], (g) => g.set(edge.status().length));
  gauge("trunkline_edge_info", "An edge's region and SIP address (always 1).", ["edge", "region", "sip"], (g) => {
    for (const e of edge.status()) g.set({ edge: e.url, region: e.region ?? "", sip: e.sipAddress ?? "" }, 1);
  });
  gauge("trunkline_edge_up", "1 while the edge heartbeats (registered edges) or answers JSON-RPC (configured ones); 0 when down.", ["edge"], (g) => {
    for (const e of edge.status()) g.set({ edge: e.url }, e.up ? 1 : 0);
  });
  gauge("trunkline_edge_in_sync", "1 while the SIP edge has every committed change; 0 until it is reconciled (new, unreachable, restarted, down, or an update failed).", ["edge"], (g) => {
    for (const e of edge.status()) g.set({ edge: e.url }, e.inSync ? 1 : 0);
  });
  counter("trunkline_edge_update_failures_total", "Updates to the SIP edge that failed (each is followed by a full reload once it answers).", ["edge"], (c) => {
    for (const e of edge.status()) c.inc({ edge: e.url }, e.failedUpdates);
  });
  counter("trunkline_edge_sync_total", "Full reloads (kind=full) and sets of key updates (kind=update) sent to an edge, by result (ok, failed).", ["edge", "kind", "result"], (c) => {
    for (const e of edge.status()) {
      for (const kind of ["full", "update"] as const) {
        c.inc({ edge: e.url, kind, result: "ok" }, e.sync.ok[kind]);
        c.inc({ edge: e.url, kind, result: "failed" }, e.sync.failed[kind]);
      }
    }
  });
  new HistogramFamily("trunkline_edge_sync_duration_seconds", "Time a full reload (kind=full) or a set of key updates (kind=update) took an edge, failed ones included.", SYNC_BUCKETS, (add) => {
    for (const e of edge.status()) for (const kind of ["full", "update"] as const) add({ edge: e.url, kind }, e.sync.seconds[kind]);
  }).register(registry);
  gauge("trunkline_edge_last_sync_timestamp_seconds", "When an edge last took a reload or an update successfully (Unix time); absent before the first.", ["edge"], (g) => {
    for (const e of edge.status()) if (e.sync.lastSuccessAt !== undefined) g.set({ edge: e.url }, e.sync.lastSuccessAt / 1000);
  });
  gauge("trunkline_edge_banned_addresses", "Source addresses the edge is banning now (failed authentications or a request flood; edge.md). Absent for an edge that did not answer within 1 s.", ["edge"], async (g) => {
    const bans = await edge.banCounts();
    for (const e of edge.status()) {
      const n = bans.get(e.url);
      if (n !== undefined) g.set({ edge: e.url }, n);
    }
  });
  // Call record queue (docs/calls.md): one stats RPC per edge per scrape, shared by the four series.
  let asked: { at: number; stats: Promise<Map<string, RecordStats>> } | undefined;
  const records = () => {
    if (!asked || Date.now() - asked.at > 500) asked = { at: Date.now(), stats: edge.recordStats() };
    return asked.stats;
  };
  const recordSeries = (kind: "gauge" | "counter", name: string, help: string, key: keyof RecordStats) => {
    const common = { name, help, labelNames: ["edge"], registers: [registry] };
    if (kind === "gauge") {
      new Gauge({ ...common, async collect() {
        this.reset();
        for (const [url, stats] of await records()) this.set({ edge: url }, stats[key]);
      } });
    } else {
      new Counter({ ...common, async collect() {
        this.reset();
        for (const [url, stats] of await records()) this.inc({ edge: url }, stats[key]);
      } });
    }
  };
  const late = " Absent for an edge that did not answer within 1 s.";
  recordSeries("gauge", "trunkline_edge_call_records_queued", "Call records the edge holds in its shared-memory queue, not yet written to the store." + late, "queued");
  recordSeries("counter", "trunkline_edge_call_records_written_total", "Call records the edge has written to the store since it started." + late, "written");
  recordSeries("counter", "trunkline_edge_call_records_dropped_total", "Call records the edge dropped because its queue was full (the store could not be written for long; TRUNKLINE_CALL_RECORD_QUEUE_MAX)." + late, "dropped");
  recordSeries("counter", "trunkline_edge_call_record_flush_failures_total", "Writes of the record queue that failed (retried about every second)." + late, "flushFailures");
  gauge("trunkline_edge_heartbeat_age_seconds", "Seconds since a registered edge's last heartbeat (the database's clock).", ["edge"], (g) => {
    for (const e of edge.status()) if (e.heartbeatAgeSeconds !== undefined) g.set({ edge: e.url }, e.heartbeatAgeSeconds);
  });
  // Live calls and call counters: read in the background (src/edge/live.ts), never here.
  gauge("trunkline_trunk_active_calls", "Calls up now on a trunk, summed over the edges (only trunks with calls; refreshed every 2 s).", ["trunk"], (g) => {
    for (const [trunk, n] of edge.live.byTrunkSid()) g.set({ trunk }, n);
  });
  counter("trunkline_calls_total", "Finished calls by trunk, status and final SIP code, counted when their record lands (since this process started).", ["trunk", "status", "code"], (c) => {
    for (const s of edge.callCounters.samples()) c.inc({ trunk: s.trunk, status: s.status, code: String(s.code) }, s.value);
  });
  // Destination health: each edge's own probe results, read in the background (src/edge/health.ts).
  gauge("trunkline_destination_up", "1 while the edge finds the destination up by its OPTIONS probes, 0 while down (routing skips it).", ["trunk", "destination", "edge"], (g) => {
    for (const p of edge.health.perEdge()) g.set({ trunk: p.trunkSid, destination: p.destination, edge: p.edge }, p.up ? 1 : 0);
  });
  gauge("trunkline_destination_rtt_ms", "Round-trip time of the edge's OPTIONS probes to the destination (dispatcher's estimate), ms; absent before an answer.", ["trunk", "destination", "edge"], (g) => {
    for (const p of edge.health.perEdge()) if (p.rttMs !== null) g.set({ trunk: p.trunkSid, destination: p.destination, edge: p.edge }, p.rttMs);
  });
}

function registerMediaMetrics(media: NonNullable<AppDeps["media"]>, gauge: GaugeOf, counter: CounterOf): void {
  // Media relays: each registered rtpengine's ng statistics, read in the background (src/media/status.ts).
  type Relay = ReturnType<typeof media.status>[number];
  const series = (kind: "gauge" | "counter", name: string, help: string, value: (r: Relay) => number | undefined) => {
    const fill = (set: (labels: { relay: string }, v: number) => void) => {
      for (const r of media.status()) {
        if (r.state === "stopped") continue; // cleanly stopped relays are left out
        const v = value(r);
        if (v !== undefined) set({ relay: r.ngAddress }, v);
      }
    };
    if (kind === "gauge") gauge(name, help, ["relay"], (g) => fill((l, v) => g.set(l, v)));
    else counter(name, help, ["relay"], (c) => fill((l, v) => c.inc(l, v)));
  };
  series("gauge", "trunkline_media_relay_up", "1 while the media relay (rtpengine, by ng address) answers ng statistics, 0 when it does not (refreshed every 2 s; cleanly stopped relays are left out).", (r) => (r.state === "up" ? 1 : 0));
  series("gauge", "trunkline_media_relay_sessions", "Sessions (calls) the media relay holds now; absent while it does not answer.", (r) => r.statistics?.sessionsCurrent);
  series("counter", "trunkline_media_relay_sessions_total", "Sessions the media relay has handled since it started.", (r) => r.statistics?.sessionsTotal);
  series("counter", "trunkline_media_relay_packets_total", "RTP/RTCP packets the media relay relayed since it started.", (r) => r.statistics?.packets);
  series("counter", "trunkline_media_relay_bytes_total", "Bytes the media relay relayed since it started.", (r) => r.statistics?.bytes);
  series("counter", "trunkline_media_relay_errors_total", "Packets the media relay could not relay since it started (rtpengine's relayed packet errors).", (r) => r.statistics?.errors);
}
