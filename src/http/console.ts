import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

/**
 * The console's only sources are its own files and this origin's APIs: no inline script or style
 * element, nothing framed, no form posted anywhere (a sign-in form that somehow submitted without
 * JavaScript must not put the token in a URL).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const NOT_BUILT = "The web console is not built: run `npm run build:console`, then restart the server.\n";

/**
 * `/console/`: the web console's static files from `dir` (built by `npm run build:console`, which
 * `prepare` runs), with a strict CSP; `/console` redirects there. Unbuilt: 503 saying how to build.
 */
export async function registerConsole(app: FastifyInstance, dir: string): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook("onSend", (_req, reply, payload, done) => {
      reply.header("content-security-policy", CONSOLE_CSP);
      reply.header("x-content-type-options", "nosniff");
      reply.header("referrer-policy", "no-referrer");
      reply.header("x-frame-options", "DENY");
      done(null, payload);
    });
    if (!existsSync(join(dir, "index.html"))) {
      const notBuilt = (_req: unknown, reply: FastifyReply) => reply.code(503).type("text/plain; charset=utf-8").send(NOT_BUILT);
      scope.get("/console", { schema: { hide: true } }, notBuilt);
      scope.get("/console/*", { schema: { hide: true } }, notBuilt);
      return;
    }
    // The page's asset URLs are relative: it must be loaded as /console/.
    scope.get("/console", { schema: { hide: true } }, (_req, reply) => reply.redirect("/console/"));
    // Unhashed file names: the browser revalidates (ETag) so an upgrade is seen at once.
    await scope.register(fastifyStatic, { root: dir, prefix: "/console/", index: "index.html", decorateReply: false, cacheControl: false, setHeaders: (res) => res.setHeader("cache-control", "no-cache") });
  });
}
