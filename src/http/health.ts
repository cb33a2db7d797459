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
    // Edges out of step still carry calls (on what they last had), and the API still serves: said so.
    if (edge) checks.edges = edge.status().every((e) => e.inSync) ? "ok" : "degraded";
    const ready = checks.store === "ok";
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
  });
}
