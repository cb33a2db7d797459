/**
 * Per-request cost, in-process: `npx tsx bench/profile.ts [options]`.
 *
 * Throughput on a shared, loaded machine says more about the neighbours than about the server;
 * this times requests one at a time inside one process instead. For each engine it opens a fresh
 * store, seeds it as bench/http.ts does (100 trunks with their trunk credential, 100 numbers on
 * the read trunk), builds the real server (access log on, written to /dev/null) beside a bare
 * Fastify handler, and sends N sequential requests per endpoint per round through
 * `app.inject` (--mode inject, default) or a real socket (--mode http, one keep-alive
 * connection). Reported: µs per request, median of the rounds (and the range), and the ratio of
 * the bare handler's cost to the endpoint's — comparable with the "of bare" column of the bench.
 * The access log goes to /dev/null through the checkout's own batchedStdout (src/log.ts), as
 * `serve` writes it (the bench's server has its stdout on /dev/null).
 *
 * Options: --engines sqlite,postgres  --rounds 5  --requests 400 (per round; a tenth for the
 * lists of 100)  --warmup 200  --only <substring>  --mode inject|http  --no-log.
 *
 * Before/after on a loaded machine: `--against <another checkout>` (e.g. a `git worktree` of the
 * base commit, with node_modules linked) loads that checkout's server beside this one in the same
 * process, and alternates their rounds endpoint by endpoint (bare, this, that, bare, ...), so both
 * see the same load; the minimum of the rounds' CPU µs is reported beside the median.
 * With `node --cpu-prof --cpu-prof-dir data/prof --import tsx bench/profile.ts --only ...` the
 * profile covers only what was asked for.
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Fastify, { type FastifyInstance } from "fastify";
import pg from "pg";
import { Pool } from "undici";
import type { loadConfig as LoadConfig } from "../src/config.js";
import type { buildServer as BuildServer } from "../src/http/server.js";
import type { openRuntime as OpenRuntime, Runtime } from "../src/runtime.js";
import { fmt, median, range } from "./lib/stats.js";

const PG_URL = process.env.TRUNKLINE_BENCH_PG_URL ?? process.env.TRUNKLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const ACCOUNT = { sid: "bench", key: "bench_api_key_0001", token: "bench_api_token_00000000000001" };
const AUTH = `Basic ${Buffer.from(`${ACCOUNT.key}:${ACCOUNT.token}`).toString("base64")}`;

const { values: opts } = parseArgs({
  options: {
    engines: { type: "string" },
    rounds: { type: "string" },
    requests: { type: "string" },
    warmup: { type: "string" },
    only: { type: "string" },
    mode: { type: "string" },
    "no-log": { type: "boolean" },
    against: { type: "string" },
  },
});
const ENGINES = (opts.engines ?? "sqlite,postgres").split(",") as ("sqlite" | "postgres")[];
const ROUNDS = Number(opts.rounds ?? 5);
const REQUESTS = Number(opts.requests ?? 400);
const WARMUP = Number(opts.warmup ?? 200);
const MODE = opts.mode === "http" ? "http" : "inject";

interface Req {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  body?: () => string;
}
interface Endpoint {
  name: string;
  req: Req;
  /** Requests per round relative to --requests (the lists of 100 cost ~50× a lookup). */
  weight: number;
}

/** One request, the way --mode says; fails on anything but 200 (a benchmark of errors is no benchmark). */
type Send = (r: Req) => Promise<void>;

function injector(app: FastifyInstance): Send {
  return async (r) => {
    const res = await app.inject({ method: r.method, url: r.url, headers: { ...r.headers, ...(r.body ? { "content-type": "application/json" } : {}) }, payload: r.body?.() });
    if (res.statusCode !== 200) throw new Error(`${r.method} ${r.url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  };
}

async function httpSender(app: FastifyInstance): Promise<{ send: Send; close(): Promise<void> }> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const pool = new Pool(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, { connections: 1, pipelining: 1 });
  return {
    send: async (r) => {
      const res = await pool.request({ method: r.method, path: r.url, headers: { ...r.headers, ...(r.body ? { "content-type": "application/json" } : {}) }, body: r.body?.() });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${r.method} ${r.url}: ${res.statusCode} ${text.slice(0, 300)}`);
    },
    close: () => pool.close(),
  };
}

async function sender(app: FastifyInstance): Promise<{ send: Send; close(): Promise<void> }> {
  if (MODE === "http") return httpSender(app);
  await app.ready();
  return { send: injector(app), close: async () => undefined };
}

/** How many requests a round of this endpoint sends (the lists of 100 cost ~50× a lookup). */
const perRound = (e: Endpoint) => Math.max(10, Math.round(REQUESTS * e.weight));

async function warm(send: Send, e: Endpoint): Promise<void> {
  for (let i = 0; i < Math.max(5, Math.round(WARMUP * e.weight)); i++) await send(e.req);
}

/**
 * One round: wall-clock µs per request, and this process's CPU µs per request (user + system:
 * what the API process itself spends, without PostgreSQL's backend and less moved by neighbours).
 */
async function round(send: Send, e: Endpoint): Promise<{ us: number; cpu: number }> {
  const n = perRound(e);
  const c0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await send(e.req);
  const us = Number(process.hrtime.bigint() - start) / 1000 / n;
  const c = process.cpuUsage(c0);
  return { us, cpu: (c.user + c.system) / n };
}

async function pgSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `tl_prof_${randomBytes(4).toString("hex")}`;
  const run = async (text: string) => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  await run(`create schema ${schema}`);
  return { schema, drop: () => run(`drop schema if exists ${schema} cascade`) };
}

/** A checkout's server modules: this one's, or --against's. */
interface Code {
  label: string;
  loadConfig: typeof LoadConfig;
  openRuntime: typeof OpenRuntime;
  buildServer: typeof BuildServer;
  /** The checkout's own access-log destination (what `serve` writes through), over /dev/null here. */
  batchedStdout?: (out: { write(text: string): unknown }) => { write(line: string): void };
}

async function loadCode(root: string, label: string): Promise<Code> {
  const config = (await import(join(root, "src/config.ts"))) as { loadConfig: typeof LoadConfig };
  const runtime = (await import(join(root, "src/runtime.ts"))) as { openRuntime: typeof OpenRuntime };
  const server = (await import(join(root, "src/http/server.ts"))) as { buildServer: typeof BuildServer };
  const log = (await import(join(root, "src/log.ts")).catch(() => ({}))) as { batchedStdout?: Code["batchedStdout"] };
  return { label, loadConfig: config.loadConfig, openRuntime: runtime.openRuntime, buildServer: server.buildServer, batchedStdout: log.batchedStdout };
}

async function openEngine(code: Code, engine: "sqlite" | "postgres"): Promise<{ runtime: Runtime; dispose(): Promise<void> }> {
  const env: Record<string, string> = { TRUNKLINE_SECRET_KEY: "5e".repeat(32), TRUNKLINE_RATE_LIMIT_PER_MINUTE: "1000000000" };
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(os.tmpdir(), "tl-prof-"));
    const runtime = await code.openRuntime(code.loadConfig({ ...env, DATABASE_URL: join(dir, "db.sqlite") }));
    return { runtime, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const { schema, drop } = await pgSchema();
  const runtime = await code.openRuntime(code.loadConfig({ ...env, DATABASE_URL: PG_URL, TRUNKLINE_PG_SCHEMA: schema }));
  return { runtime, dispose: drop };
}

let uniq = 0;
/** The bench's seed (bench/http.ts startApi): 100 trunks, 100 numbers on the read trunk. */
async function seed(send: Send, app: FastifyInstance): Promise<Endpoint[]> {
  const trunks = `/v2/accounts/${ACCOUNT.sid}/trunks`;
  const mk = async (name: string) => {
    const r = await app.inject({ method: "POST", url: trunks, headers: { authorization: AUTH, "content-type": "application/json" }, payload: { trunk_name: name, nso_code: "ANY-ANY", domain_name: "bench.pstn.exotel.com" } });
    if (r.statusCode !== 200) throw new Error(`create trunk: ${r.statusCode} ${r.body}`);
    return (r.json() as { response: { data: { trunk_sid: string } } }).response.data.trunk_sid;
  };
  const readSid = await mk("bench_read");
  const writeSid = await mk("bench_write");
  for (let i = 0; i < 98; i++) await mk(`bench_list_${i}`);
  const nextNumber = () => `+918${String(++uniq).padStart(9, "0")}`;
  for (let i = 0; i < 100; i++) await send({ method: "POST", url: `${trunks}/${readSid}/phone-numbers`, headers: { authorization: AUTH }, body: () => JSON.stringify({ phone_number: nextNumber() }) });
  const auth = { authorization: AUTH };
  return [
    { name: "healthz", weight: 1, req: { method: "GET", url: "/healthz" } },
    { name: "get trunk", weight: 1, req: { method: "GET", url: `${trunks}/${readSid}`, headers: auth } },
    { name: "list numbers (50)", weight: 0.5, req: { method: "GET", url: `${trunks}/${readSid}/phone-numbers`, headers: auth } },
    { name: "get credentials", weight: 1, req: { method: "GET", url: `${trunks}/${readSid}/credentials`, headers: auth } },
    { name: "carrier list (100)", weight: 0.1, req: { method: "GET", url: "/carrier/v1/sip_trunks?page[size]=100", headers: { authorization: `Bearer ${ACCOUNT.token}` } } },
    { name: "Exotel list trunks (100)", weight: 0.1, req: { method: "GET", url: `${trunks}?page_size=100`, headers: auth } },
    {
      name: "create trunk",
      weight: 0.25,
      req: { method: "POST", url: trunks, headers: auth, body: () => JSON.stringify({ trunk_name: `bp${(++uniq).toString(36)}`, nso_code: "ANY-ANY", domain_name: "bench.pstn.exotel.com" }) },
    },
    { name: "map number", weight: 0.25, req: { method: "POST", url: `${trunks}/${writeSid}/phone-numbers`, headers: auth, body: () => JSON.stringify({ phone_number: nextNumber() }) } },
  ];
}

interface Result {
  engine: string;
  name: string;
  us: number[];
  cpu: number[];
}

interface Subject {
  code: Code;
  send: Send;
  endpoints: Endpoint[];
  close(): Promise<void>;
}

async function start(code: Code, engine: "sqlite" | "postgres", logStream: { write(text: string): boolean }): Promise<Subject> {
  const { runtime, dispose } = await openEngine(code, engine);
  // The access log as `serve` writes it (batched per event-loop turn when the checkout does), to /dev/null.
  const stream = code.batchedStdout ? code.batchedStdout(logStream) : logStream;
  const app = await code.buildServer(runtime, opts["no-log"] ? false : { level: "info", stream });
  const api = await sender(app);
  await runtime.services.accounts.create({ sid: ACCOUNT.sid, apiKey: ACCOUNT.key, apiToken: ACCOUNT.token });
  const endpoints = await seed(api.send, app);
  return {
    code,
    send: api.send,
    endpoints,
    close: async () => {
      await api.close();
      await app.close();
      await runtime.close();
      await dispose();
    },
  };
}

async function main(): Promise<void> {
  const codes = [await loadCode(join(import.meta.dirname, ".."), "this")];
  if (opts.against) codes.push(await loadCode(opts.against, "against"));
  const results: Result[] = [];
  const bareApp = Fastify({ logger: false });
  const body = { status: "ok", service: "bare" };
  bareApp.get("/bare", async () => body);
  const bare = await sender(bareApp);
  const bareEndpoint: Endpoint = { name: "bare", weight: 1, req: { method: "GET", url: "/bare" } };
  // Written synchronously, as Node writes stdout to a file (the bench's server has stdout on
  // /dev/null): an fs.WriteStream would add a thread-pool round trip per write.
  const nullFd = openSync("/dev/null", "w");
  // The batched access log may flush once more at exit, after the descriptor is closed.
  let nullOpen = true;
  const devNull = { write: (text: string) => (nullOpen && writeSync(nullFd, text), true) };
  for (const engine of ENGINES) {
    const subjects: Subject[] = [];
    try {
      for (const code of codes) subjects.push(await start(code, engine, devNull));
      const names = (subjects[0] as Subject).endpoints.map((e) => e.name).filter((n) => !opts.only || n.includes(opts.only));
      for (const name of names) {
        const bareRow: Result = { engine: "bare", name: `bare (beside ${engine} ${name})`, us: [], cpu: [] };
        const rows = subjects.map((s) => ({ engine: codes.length > 1 ? `${engine} (${s.code.label})` : engine, name, us: [] as number[], cpu: [] as number[] }));
        await warm(bare.send, bareEndpoint);
        for (const s of subjects) await warm(s.send, s.endpoints.find((e) => e.name === name) as Endpoint);
        // Rounds alternate (bare, this, against, bare, against, this, ...): the machine's load,
        // and whatever one leaves behind for the next (garbage), fall on all alike.
        for (let r = 0; r < ROUNDS; r++) {
          const b = await round(bare.send, bareEndpoint);
          bareRow.us.push(b.us);
          bareRow.cpu.push(b.cpu);
          const order = [...subjects.entries()];
          if (r % 2 === 1) order.reverse();
          for (const [i, s] of order) {
            const t = await round(s.send, s.endpoints.find((e) => e.name === name) as Endpoint);
            rows[i]?.us.push(t.us);
            rows[i]?.cpu.push(t.cpu);
          }
        }
        results.push(bareRow, ...rows);
        console.error(rows.map((row) => `${row.engine} ${name}: ${fmt.int(median(row.us))} µs, CPU ${fmt.int(median(row.cpu))} µs (min ${fmt.int(Math.min(...row.cpu))})`).join("; "));
      }
    } finally {
      for (const s of subjects) await s.close();
    }
  }
  await bare.close();
  await bareApp.close();
  nullOpen = false;
  closeSync(nullFd);
  const bares = results.filter((r) => r.engine === "bare");
  const bareUs = median(bares.flatMap((r) => r.us));
  const bareCpu = median(bares.flatMap((r) => r.cpu));
  const bareCpuMin = Math.min(...bares.flatMap((r) => r.cpu));
  const lines = [
    `mode ${MODE}, ${ROUNDS} rounds, ${REQUESTS} requests a round (weighted), load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}${opts.against ? `; against ${opts.against}` : ""}`,
    "",
    "| engine | endpoint | wall µs/request (median) | range | bare ÷ endpoint | CPU µs/request (median) | CPU min | bare ÷ endpoint (CPU, median) |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    `| — | bare Fastify handler | ${bareUs.toFixed(1)} | | 100% | ${bareCpu.toFixed(1)} | ${bareCpuMin.toFixed(1)} | 100% |`,
    ...results
      .filter((r) => r.engine !== "bare")
      .map((r) => {
        const [lo, hi] = range(r.us);
        return `| ${r.engine} | ${r.name} | ${median(r.us).toFixed(1)} | ${lo.toFixed(0)}–${hi.toFixed(0)} | ${fmt.pct(bareUs / median(r.us))} | ${median(r.cpu).toFixed(1)} | ${Math.min(...r.cpu).toFixed(1)} | ${fmt.pct(bareCpu / median(r.cpu))} |`;
      }),
  ];
  console.log(lines.join("\n"));
}

await main();
