import type { FastifyInstance } from "fastify";
import { pingStore } from "../store/db.js";
import type { AppDeps } from "./deps.js";

export function registerHealth(app: FastifyInstance, { store, limiter, edge, media }: Pick<AppDeps, "store" | "limiter" | "edge" | "media">): void {
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await pingStore(store);
      checks.store = "ok";
    } catch {
      checks.store = "unreachable";
    }
    // A degraded rate limiter fails open: still ready, but said so.
    checks.rate_limiter = limiter.healthy() ? "ok" : "degraded";
    // Edges out of step or down still carry calls (on what they last had, or other edges do), and
    // the API still serves: said so, but the API stays ready. No edge at all is said too.
    const edges = edge?.status() ?? [];
    checks.edges = edges.length === 0 ? "absent" : edges.every((e) => e.state === "in_sync") ? "ok" : "degraded";
    // Media the same way: a relay that does not answer ng fails the calls anchored on it, but
    // the API and the other relays serve on. Said only once a relay is registered: without one
    // the edges run signalling-only, a configuration rather than a fault.
    const relays = media?.status() ?? [];
    if (media && relays.length > 0) checks.media = media.check();
    const ready = checks.store === "ok";
    return reply.code(ready ? 200 : 503).send({
      status: ready ? "ready" : "not ready",
      checks,
      edges: edges.map((e) => ({
        url: e.url,
        region: e.region ?? null,
        sip_address: e.sipAddress ?? null,
        state: e.state,
        last_heartbeat: e.heartbeatAt ?? null,
        configured: e.configured,
        ...(e.lastError ? { last_error: e.lastError } : {}),
      })),
      ...(relays.length > 0
        ? {
            media_relays: relays.map((r) => ({
              ng_address: r.ngAddress,
              media_address: r.mediaAddress,
              state: r.state,
              sessions: r.statistics?.sessionsCurrent ?? null,
              last_heartbeat: r.heartbeatAt,
              ...(r.lastError ? { last_error: r.lastError } : {}),
            })),
          }
        : {}),
    });
  });
}
