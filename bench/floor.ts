/**
 * What the per-request floor costs, piece by piece, in-process: `npx tsx bench/floor.ts [options]`.
 *
 * 1. The metrics hook alone (ns per response, median of rounds): the counter the hand-written
 *    /metrics kept, prom-client's own Histogram (a child per label set, cached), and what
 *    src/http/metrics.ts does (a series per route, method and status, kept by the caller).
 * 2. `/healthz` end to end through `app.inject` (CPU µs per request of this process, least and
 *    median of rounds, interleaved so the machine's load moves every variant alike): a bare
 *    Fastify handler, alone and with each piece of the floor; the real server (request id, metrics, access log to /dev/null); the same without
 *    the access log; and, with `--before <dir>` (a checkout of another commit with node_modules),
 *    that commit's server the same two ways — before/after in one run.
 *
 * Options: --rounds 11  --requests 2000 (per round, end to end; light-my-request retains ~10 KB
 * per injected request, on a bare Fastify too, so long runs need --max-old-space-size)  --calls 2000000 (per round, hook)
 * --before <dir>.
 */
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { Histogram, Registry } from "prom-client";
import type { loadConfig } from "../src/config.js";
import { registerMetrics } from "../src/http/metrics.js";
import { HTTP_BUCKETS } from "../src/metrics/histogram.js";
import type { openRuntime} from "../src/runtime.js";
import { type Runtime } from "../src/runtime.js";
import { fmt, median, range } from "./lib/stats.js";

const { values: opts } = parseArgs({ options: { rounds: { type: "string" }, requests: { type: "string" }, calls: { type: "string" }, before: { type: "string" } } });
const ROUNDS = Number(opts.rounds ?? 11);
const REQUESTS = Number(opts.requests ?? 2000);
const CALLS = Number(opts.calls ?? 2_000_000);

async function openSqlite(root: string): Promise<{ runtime: Runtime; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(os.tmpdir(), "tl-floor-"));
  const { loadConfig: load } = (await import(pathToFileURL(join(root, "src/config.ts")).href)) as { loadConfig: typeof loadConfig };
  const { openRuntime: open } = (await import(pathToFileURL(join(root, "src/runtime.ts")).href)) as { openRuntime: typeof openRuntime };
  const runtime = await open(load({ TRUNKLINE_SECRET_KEY: "5e".repeat(32), DATABASE_URL: join(dir, "db.sqlite") }));
  return {
    runtime,
    dispose: async () => {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const span = (xs: number[], digits: number) => range(xs).map((x) => x.toFixed(digits)).join("–");

/** ns per call of `f`, per round. */
function perCall(f: () => void): number[] {
  for (let i = 0; i < CALLS / 4; i++) f();
  const out: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) f();
    out.push(Number(process.hrtime.bigint() - t) / CALLS);
  }
  return out;
}

async function hookAlone(runtime: Runtime): Promise<string[]> {
  // A real request and reply of a matched route, as the onResponse hook receives them.
  const app = Fastify();
  let captured: [FastifyRequest, FastifyReply] | undefined;
  const observe = registerMetrics(app, runtime);
  app.get("/v2/accounts/:account_sid/trunks/:trunk_sid", async () => ({ ok: true }));
  app.addHook("onResponse", (req, reply, done) => {
    captured = [req, reply];
    done();
  });
  await app.inject({ method: "GET", url: "/v2/accounts/a/trunks/b" });
  const [req, reply] = captured as [FastifyRequest, FastifyReply];
  const byStatus = new Float64Array(600);
  const registry = new Registry();
  const library = new Histogram({ name: "h", help: "h", labelNames: ["method", "route", "status_code"], buckets: [...HTTP_BUCKETS], registers: [registry] });
  const children = new Map<string, ReturnType<typeof library.labels>>();
  const rows: Array<[string, number[]]> = [
    ["counter by status (the hand-written /metrics)", perCall(() => void byStatus[reply.statusCode]!++)],
    [
      "prom-client Histogram, child cached per route/method/status",
      perCall(() => {
        const key = req.routeOptions.url as string;
        let child = children.get(key);
        if (!child) children.set(key, (child = library.labels(req.method, key, String(reply.statusCode))));
        child.observe(reply.elapsedTime / 1000);
      }),
    ],
    ["src/http/metrics.ts (series kept per route, method, status)", perCall(() => observe(req, reply, req.routeOptions.url))],
  ];
  await app.close();
  return ["| metrics hook, per response | ns (median) | range |", "|---|---:|---:|", ...rows.map(([name, ns]) => `| ${name} | ${fmt.int(median(ns))} | ${span(ns, 0)} |`)];
}

type Build = (deps: Runtime, logger: unknown) => Promise<FastifyInstance>;

async function endToEnd(): Promise<string[]> {
  const devNull = createWriteStream("/dev/null");
  const trees: Array<[string, string]> = [["this tree", resolve(import.meta.dirname, "..")]];
  if (opts.before) trees.push(["--before", resolve(opts.before)]);
  const apps: Array<{ name: string; app: FastifyInstance; cpu: number[] }> = [];
  const disposers: Array<() => Promise<void>> = [];
  const bare = Fastify({ logger: false });
  const body = { status: "ok", service: "bare" };
  bare.get("/bare", async () => body);
  apps.push({ name: "bare Fastify handler", app: bare, cpu: [] });
  // The pieces of the floor on Fastify alone: the request id (generated, and echoed by a hook), a response hook.
  const { newRequestId } = await import("../src/http/server.js");
  const withId = Fastify({ logger: false, genReqId: newRequestId });
  withId.addHook("onRequest", (req, reply, done) => {
    reply.header("x-request-id", req.id);
    done();
  });
  withId.get("/bare", async () => body);
  apps.push({ name: "bare + request id (generated, header hook)", app: withId, cpu: [] });
  const withHook = Fastify({ logger: false });
  withHook.addHook("onResponse", (_req, _reply, done) => done());
  withHook.get("/bare", async () => body);
  apps.push({ name: "bare + an empty onResponse hook", app: withHook, cpu: [] });
  for (const [label, root] of trees) {
    const { buildServer } = (await import(pathToFileURL(join(root, "src/http/server.ts")).href)) as { buildServer: Build };
    for (const log of [true, false]) {
      const s = await openSqlite(root);
      disposers.push(s.dispose);
      apps.push({ name: `healthz, ${label}, access log ${log ? "on" : "off"}`, app: await buildServer(s.runtime, log ? { level: "info", stream: devNull } : false), cpu: [] });
    }
  }
  const url = (a: (typeof apps)[number]) => (a.name.startsWith("bare") ? "/bare" : "/healthz");
  for (const a of apps) for (let i = 0; i < REQUESTS / 4; i++) await a.app.inject({ method: "GET", url: url(a) });
  for (let r = 0; r < ROUNDS; r++) {
    for (const a of apps) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < REQUESTS; i++) {
        const res = await a.app.inject({ method: "GET", url: url(a) });
        if (res.statusCode !== 200) throw new Error(`${a.name}: ${res.statusCode}`);
      }
      const c = process.cpuUsage(c0);
      a.cpu.push((c.user + c.system) / REQUESTS);
    }
  }
  for (const a of apps) await a.app.close();
  for (const d of disposers) await d();
  // The least of the rounds is the cost least disturbed by the neighbours; the median beside it.
  const least = (xs: number[]) => Math.min(...xs);
  const bareCpu = apps[0]!.cpu;
  return [
    "| app.inject GET | CPU µs/request, least of rounds | median | range | bare ÷ it (least) | bare ÷ it (median) |",
    "|---|---:|---:|---:|---:|---:|",
    ...apps.map((a) => `| ${a.name} | ${least(a.cpu).toFixed(1)} | ${median(a.cpu).toFixed(1)} | ${span(a.cpu, 1)} | ${fmt.pct(least(bareCpu) / least(a.cpu))} | ${fmt.pct(median(bareCpu) / median(a.cpu))} |`),
  ];
}

async function main(): Promise<void> {
  console.error(`${os.cpus()[0]?.model}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; ${ROUNDS} rounds`);
  const s = await openSqlite(resolve(import.meta.dirname, ".."));
  const hook = await hookAlone(s.runtime);
  await s.dispose();
  console.log(`\n${hook.join("\n")}\n`);
  console.log(`${(await endToEnd()).join("\n")}\n`);
  console.error(`load average after: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
