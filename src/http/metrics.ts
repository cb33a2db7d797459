import type { FastifyInstance } from "fastify";
import type { AppDeps } from "./deps.js";
import type { RateLimiterStats } from "./redisRateLimiter.js";

/**
 * `/metrics` in the Prometheus text format: responses by status code, whether the shared rate
 * limiter is failing open, and the process's memory. One counter bump per response; nothing else
 * on the request path. Outside the dialect prefixes, so it needs no API credentials — expose it
 * only where the scraper can reach it.
 */
export function registerMetrics(app: FastifyInstance, { limiter, edge, media }: Pick<AppDeps, "limiter" | "edge" | "media">): void {
  const byStatus = new Float64Array(600);
  const started = Date.now();
  app.addHook("onResponse", (_req, reply, done) => {
    const code = reply.statusCode;
    if (code >= 100 && code < 600) byStatus[code]!++;
    done();
  });
  app.get("/metrics", { schema: { hide: true }, logLevel: "warn" }, async (_req, reply) => {
    const lines: string[] = [];
    lines.push("# HELP trunkline_http_responses_total HTTP responses sent, by status code.", "# TYPE trunkline_http_responses_total counter");
    for (let code = 100; code < 600; code++) {
      const n = byStatus[code]!;
      if (n > 0) lines.push(`trunkline_http_responses_total{code="${code}"} ${n}`);
    }
    lines.push(
      "# HELP trunkline_rate_limiter_degraded 1 while the shared rate limiter (Redis) is unreachable and requests are let through uncounted.",
      "# TYPE trunkline_rate_limiter_degraded gauge",
      `trunkline_rate_limiter_degraded ${limiter.healthy() ? 0 : 1}`,
    );
    const stats = (limiter as Partial<{ stats(): RateLimiterStats }>).stats?.();
    if (stats) {
      lines.push(
        "# HELP trunkline_rate_limiter_fail_open_total Requests allowed without being counted because the rate limiter was degraded.",
        "# TYPE trunkline_rate_limiter_fail_open_total counter",
        `trunkline_rate_limiter_fail_open_total ${stats.failOpen}`,
        "# HELP trunkline_rate_limiter_outages_total Times the shared rate limiter went from healthy to degraded.",
        "# TYPE trunkline_rate_limiter_outages_total counter",
        `trunkline_rate_limiter_outages_total ${stats.outages}`,
      );
    }
    if (edge) {
      const edges = edge.status();
      const label = (url: string) => `edge="${url.replace(/["\\\n]/g, "_")}"`;
      const gauge = (name: string, type: string, help: string, value: (e: (typeof edges)[number]) => number | undefined) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        for (const e of edges) {
          const v = value(e);
          if (v !== undefined) lines.push(`${name}{${label(e.url)}} ${v}`);
        }
      };
      lines.push("# HELP trunkline_edges Edges this process keeps in step (registered in the store or in TRUNKLINE_EDGE_RPC_URLS).", "# TYPE trunkline_edges gauge", `trunkline_edges ${edges.length}`);
      lines.push("# HELP trunkline_edge_info An edge's region and SIP address (always 1).", "# TYPE trunkline_edge_info gauge");
      const text = (v: string | undefined) => (v ?? "").replace(/["\\\n]/g, "_");
      for (const e of edges) lines.push(`trunkline_edge_info{${label(e.url)},region="${text(e.region)}",sip="${text(e.sipAddress)}"} 1`);
      gauge("trunkline_edge_up", "gauge", "1 while the edge heartbeats (registered edges) or answers JSON-RPC (configured ones); 0 when down.", (e) => (e.up ? 1 : 0));
      gauge("trunkline_edge_in_sync", "gauge", "1 while the SIP edge has every committed change; 0 until it is reconciled (new, unreachable, restarted, down, or an update failed).", (e) => (e.inSync ? 1 : 0));
      gauge("trunkline_edge_update_failures_total", "counter", "Updates to the SIP edge that failed (each is followed by a full reload once it answers).", (e) => e.failedUpdates);
      const bans = await edge.banCounts();
      gauge("trunkline_edge_banned_addresses", "gauge", "Source addresses the edge is banning now (failed authentications or a request flood; edge.md). Absent for an edge that did not answer within 1 s.", (e) => bans.get(e.url));
      gauge("trunkline_edge_heartbeat_age_seconds", "gauge", "Seconds since a registered edge's last heartbeat (the database's clock).", (e) => e.heartbeatAgeSeconds);
      // Live calls and call counters: read in the background (src/edge/live.ts), never here.
      lines.push("# HELP trunkline_trunk_active_calls Calls up now on a trunk, summed over the edges (only trunks with calls; refreshed every 2 s).", "# TYPE trunkline_trunk_active_calls gauge");
      for (const [sid, n] of edge.live.byTrunkSid()) lines.push(`trunkline_trunk_active_calls{trunk="${text(sid)}"} ${n}`);
      lines.push("# HELP trunkline_calls_total Finished calls by trunk, status and final SIP code, counted when their record lands (since this process started).", "# TYPE trunkline_calls_total counter");
      for (const c of edge.callCounters.samples()) lines.push(`trunkline_calls_total{trunk="${text(c.trunk)}",status="${text(c.status)}",code="${c.code}"} ${c.value}`);
      // Destination health: each edge's own probe results, read in the background (src/edge/health.ts).
      const probed = edge.health.perEdge();
      const dst = (p: (typeof probed)[number]) => `trunk="${text(p.trunkSid)}",destination="${text(p.destination)}",edge="${text(p.edge)}"`;
      lines.push("# HELP trunkline_destination_up 1 while the edge finds the destination up by its OPTIONS probes, 0 while down (routing skips it).", "# TYPE trunkline_destination_up gauge");
      for (const p of probed) lines.push(`trunkline_destination_up{${dst(p)}} ${p.up ? 1 : 0}`);
      lines.push("# HELP trunkline_destination_rtt_ms Round-trip time of the edge's OPTIONS probes to the destination (dispatcher's estimate), ms; absent before an answer.", "# TYPE trunkline_destination_rtt_ms gauge");
      for (const p of probed) if (p.rttMs !== null) lines.push(`trunkline_destination_rtt_ms{${dst(p)}} ${p.rttMs}`);
    }
    if (media) {
      // Media relays: each registered rtpengine's ng statistics, read in the background (src/media/status.ts).
      const relays = media.status().filter((r) => r.state !== "stopped");
      const relay = (r: (typeof relays)[number]) => `relay="${r.ngAddress.replace(/["\\\n]/g, "_")}"`;
      const series = (name: string, type: string, help: string, value: (r: (typeof relays)[number]) => number | undefined) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        for (const r of relays) {
          const v = value(r);
          if (v !== undefined) lines.push(`${name}{${relay(r)}} ${v}`);
        }
      };
      series("trunkline_media_relay_up", "gauge", "1 while the media relay (rtpengine, by ng address) answers ng statistics, 0 when it does not (refreshed every 2 s; cleanly stopped relays are left out).", (r) => (r.state === "up" ? 1 : 0));
      series("trunkline_media_relay_sessions", "gauge", "Sessions (calls) the media relay holds now; absent while it does not answer.", (r) => r.statistics?.sessionsCurrent);
      series("trunkline_media_relay_sessions_total", "counter", "Sessions the media relay has handled since it started.", (r) => r.statistics?.sessionsTotal);
      series("trunkline_media_relay_packets_total", "counter", "RTP/RTCP packets the media relay relayed since it started.", (r) => r.statistics?.packets);
      series("trunkline_media_relay_bytes_total", "counter", "Bytes the media relay relayed since it started.", (r) => r.statistics?.bytes);
      series("trunkline_media_relay_errors_total", "counter", "Packets the media relay could not relay since it started (rtpengine's relayed packet errors).", (r) => r.statistics?.errors);
    }
    const mem = process.memoryUsage();
    lines.push(
      "# HELP process_resident_memory_bytes Resident set size in bytes.",
      "# TYPE process_resident_memory_bytes gauge",
      `process_resident_memory_bytes ${mem.rss}`,
      "# HELP nodejs_heap_used_bytes V8 heap in use, in bytes.",
      "# TYPE nodejs_heap_used_bytes gauge",
      `nodejs_heap_used_bytes ${mem.heapUsed}`,
      "# HELP process_uptime_seconds Seconds since the server was built.",
      "# TYPE process_uptime_seconds gauge",
      `process_uptime_seconds ${Math.round((Date.now() - started) / 1000)}`,
    );
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(`${lines.join("\n")}\n`);
  });
}
