import type { FastifyInstance } from "fastify";
import { pingStore } from "../store/db.js";
import type { AppDeps } from "./deps.js";

export function registerHealth(app: FastifyInstance, { store, limiter, edge }: Pick<AppDeps, "store" | "limiter" | "edge">): void {
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
    });
  });
}
