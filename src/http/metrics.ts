import type { FastifyInstance } from "fastify";
import type { AppDeps } from "./deps.js";
import type { RateLimiterStats } from "./redisRateLimiter.js";

/**
 * `/metrics` in the Prometheus text format: responses by status code, whether the shared rate
 * limiter is failing open, and the process's memory. One counter bump per response; nothing else
 * on the request path. Outside the dialect prefixes, so it needs no API credentials — expose it
 * only where the scraper can reach it.
 */
export function registerMetrics(app: FastifyInstance, { limiter, edge }: Pick<AppDeps, "limiter" | "edge">): void {
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
      lines.push("# HELP trunkline_edge_in_sync 1 while the SIP edge has every committed change; 0 until it is reconciled (unreachable, restarted, or an update failed).", "# TYPE trunkline_edge_in_sync gauge");
      for (const e of edges) lines.push(`trunkline_edge_in_sync{${label(e.url)}} ${e.inSync ? 1 : 0}`);
      lines.push("# HELP trunkline_edge_update_failures_total Updates to the SIP edge that failed (each is followed by a full reload once it answers).", "# TYPE trunkline_edge_update_failures_total counter");
      for (const e of edges) lines.push(`trunkline_edge_update_failures_total{${label(e.url)}} ${e.failedUpdates}`);
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
