/**
 * `npm run bench` — the control plane's HTTP benchmark (docs/benchmarks.md, "HTTP API").
 *
 * 1. Throughput (autocannon, 50 connections) of the main Exotel endpoints on SQLite and on
 *    PostgreSQL, interleaved with a bare Fastify handler (the framework's ceiling) in every round;
 *    each endpoint is reported as a ratio to the bare handler of the same run.
 * 2. Latency at a fixed 1,000 req/s from a paced sender (one request per ms, timed from when it
 *    was due) for a read endpoint, beside the bare handler.
 * 3. Scale: 100k trunks and 1M number mappings — seeding time, the query plans of the list and
 *    lookup queries, one lookup at 1k vs 1M, deep pages, and the server's memory after listing.
 *
 * Servers (and their PostgreSQL backends) run on core 0, this process on core 1. Bounded: every
 * load step has a fixed duration or count. Options: --quick, --rounds N, --duration S,
 * --warmup S, --no-pg, --engines sqlite,postgres, --no-throughput, --no-scale,
 * --scale-trunks N, --scale-numbers N, --log-level L, --tsx (run the server from source instead
 * of compiling it first into data/bench/dist), --pg-own-core (PostgreSQL's backends off the
 * server's core).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { request as undiciRequest } from "undici";
import { openStore, type Store } from "../src/store/db.js";
import { phoneNumbersRepo } from "../src/store/repositories/phoneNumbers.js";
import { trunksRepo } from "../src/store/repositories/trunks.js";
import { paced, throughput, type Paced, type Target, type Throughput } from "./lib/load.js";
import { checkPlans, formatPlans, type PlanCheck } from "./lib/plans.js";
import { LOAD_CORE, pinPgBackends, pinSelf, startPinned, type Child } from "./lib/proc.js";
import { fmt, median, percentile, range } from "./lib/stats.js";

const ROOT = join(import.meta.dirname, "..");
const SRC_MAIN = join(ROOT, "src/cli/main.ts");
const BARE = join(import.meta.dirname, "lib/bare.mjs");
const BUILD_DIR = join(ROOT, "data", "bench", "dist");
/** The server as operators run it (`npm start`: compiled JavaScript), unless --tsx. */
let MAIN = SRC_MAIN;
const PG_URL = process.env.TRUNKLINE_BENCH_PG_URL ?? process.env.TRUNKLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SECRET_KEY = "5e".repeat(32);
const ACCOUNT = { sid: "bench", key: "bench_api_key_0001", token: "bench_api_token_00000000000001" };
const AUTH = `Basic ${Buffer.from(`${ACCOUNT.key}:${ACCOUNT.token}`).toString("base64")}`;

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean" },
    rounds: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    "no-pg": { type: "boolean" },
    engines: { type: "string" },
    "no-scale": { type: "boolean" },
    "no-throughput": { type: "boolean" },
    "scale-trunks": { type: "string" },
    "scale-numbers": { type: "string" },
    "log-level": { type: "string" },
    tsx: { type: "boolean" },
    "pg-own-core": { type: "boolean" },
  },
});
/**
 * --pg-own-core: the server's PostgreSQL backends on the load generator's core instead of the
 * server's, the nearest this 2-core machine comes to production's database on another host (the
 * API process then has its core to itself; PostgreSQL shares one with autocannon).
 */
const PG_CORE = opts["pg-own-core"] ? LOAD_CORE : undefined;
const ROUNDS = Number(opts.rounds ?? (opts.quick ? 1 : 3));
const DURATION = Number(opts.duration ?? (opts.quick ? 2 : 5));
const WARMUP = Number(opts.warmup ?? 1);
const PACED_SECONDS = opts.quick ? 2 : 5;
const SCALE_TRUNKS = Number(opts["scale-trunks"] ?? (opts.quick ? 10_000 : 100_000));
const SCALE_NUMBERS = Number(opts["scale-numbers"] ?? (opts.quick ? 100_000 : 1_000_000));
const LOG_LEVEL = opts["log-level"] ?? "info";
type EngineName = "sqlite" | "postgres";
const ENGINES: EngineName[] = opts["no-pg"] ? ["sqlite"] : ((opts.engines?.split(",") ?? ["sqlite", "postgres"]) as EngineName[]);

const log = (...a: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---------------------------------------------------------------------------------------------
// Databases and servers

interface Db {
  engine: EngineName;
  env: NodeJS.ProcessEnv;
  /** For this process's own connections (plans, direct lookups). */
  storeOptions: { databaseUrl: string; pgSchema?: string };
  appName?: string;
  dispose(): Promise<void>;
}

async function pgQuery(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function freshDb(engine: EngineName, label: string): Promise<Db> {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    TRUNKLINE_SECRET_KEY: SECRET_KEY,
    // The benchmark measures the API, not the limiter's refusals.
    TRUNKLINE_RATE_LIMIT_PER_MINUTE: "1000000000",
    LOG_LEVEL: LOG_LEVEL,
  };
  delete base.REDIS_URL;
  delete base.TRUNKLINE_DEMO;
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(os.tmpdir(), `tl-bench-${label}-`));
    const file = join(dir, "db.sqlite");
    return { engine, env: { ...base, DATABASE_URL: file, TRUNKLINE_SECRET_KEY_FILE: join(dir, "key") }, storeOptions: { databaseUrl: file }, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `tl_bench_${label}_${randomBytes(4).toString("hex")}`;
  await pgQuery(`create schema ${schema}`);
  const appName = `trunkline-bench-${label}`;
  const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}application_name=${appName}`;
  return {
    engine,
    appName,
    env: { ...base, DATABASE_URL: url, TRUNKLINE_PG_SCHEMA: schema },
    storeOptions: { databaseUrl: PG_URL, pgSchema: schema },
    dispose: () => pgQuery(`drop schema if exists ${schema} cascade`),
  };
}

function cli(env: NodeJS.ProcessEnv, ...args: string[]): string {
  const r = spawnSync(process.execPath, [...(MAIN.endsWith(".ts") ? ["--import", "tsx"] : []), MAIN, ...args], { env, encoding: "utf8", timeout: 300_000, cwd: ROOT });
  if (r.status !== 0) throw new Error(`trunkline ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

async function api(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: { response?: { data?: unknown; error_data?: { description?: string } } } }> {
  const r = await undiciRequest(base + path, {
    method: method as "GET",
    headers: { authorization: AUTH, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.body.text();
  let json = {};
  try {
    json = JSON.parse(text) as object;
  } catch {
    // not JSON
  }
  return { status: r.statusCode, json };
}

const notRouted = (r: { status: number; json: { response?: { error_data?: { description?: string } } } }) => r.status === 404 && /No such endpoint/.test(r.json.response?.error_data?.description ?? "");

// ---------------------------------------------------------------------------------------------
// The endpoints

interface Endpoint {
  name: string;
  kind: "read" | "write";
  target: Target;
}

interface ApiServer {
  db: Db;
  server: Child;
  endpoints: Endpoint[];
  missing: string[];
  /** Pins the PostgreSQL backends of the server's pool (they come and go with the pool). */
  pin(): Promise<void>;
}

let uniq = 0;
async function startApi(engine: EngineName): Promise<ApiServer> {
  const db = await freshDb(engine, "api");
  cli(db.env, "accounts", "create", "--sid", ACCOUNT.sid, "--api-key", ACCOUNT.key, "--api-token", ACCOUNT.token);
  const server = await startPinned(`api-${engine}`, MAIN, ["serve"], db.env);
  const base = server.base;
  const mk = async (name: string) => {
    const r = await api(base, "POST", `/v2/accounts/${ACCOUNT.sid}/trunks`, { trunk_name: name, nso_code: "ANY-ANY", domain_name: "bench.pstn.exotel.com" });
    if (r.status !== 200) throw new Error(`create trunk: ${r.status} ${JSON.stringify(r.json)}`);
    return (r.json.response?.data as { trunk_sid: string }).trunk_sid;
  };
  const readSid = await mk("bench_read");
  const writeSid = await mk("bench_write");
  const tag = engine === "sqlite" ? "s" : "p";
  const trunkPath = `/v2/accounts/${ACCOUNT.sid}/trunks`;
  const nextNumber = () => `+918${String(++uniq).padStart(9, "0")}`;
  // 100 trunks in the account (with the read and write trunks), each with its trunk credential,
  // for the lists of 100: carrier (JSON:API, every trunk with its details) and Exotel.
  for (let i = 0; i < 98; i++) await mk(`bench_list_${i}`);
  // 100 numbers on the read trunk, so that a page of 50 is full.
  let mapped = 0;
  for (let i = 0; i < 100; i++) {
    const r = await api(base, "POST", `${trunkPath}/${readSid}/phone-numbers`, { phone_number: nextNumber() });
    if (notRouted(r)) break;
    if (r.status === 200) mapped++;
  }
  const all: Endpoint[] = [
    // Our server's floor: the same process, hooks and logging, but no auth, no database.
    { name: "healthz (no auth, no DB)", kind: "read", target: { method: "GET", path: "/healthz" } },
    { name: "get trunk", kind: "read", target: { method: "GET", path: `${trunkPath}/${readSid}`, headers: { authorization: AUTH } } },
    { name: "list numbers (page of 50)", kind: "read", target: { method: "GET", path: `${trunkPath}/${readSid}/phone-numbers`, headers: { authorization: AUTH } } },
    { name: "get credentials", kind: "read", target: { method: "GET", path: `${trunkPath}/${readSid}/credentials`, headers: { authorization: AUTH } } },
    { name: "carrier list (page of 100 trunks)", kind: "read", target: { method: "GET", path: "/carrier/v1/sip_trunks?page[size]=100", headers: { authorization: `Bearer ${ACCOUNT.token}` } } },
    { name: "Exotel list trunks (page of 100)", kind: "read", target: { method: "GET", path: `${trunkPath}?page_size=100`, headers: { authorization: AUTH } } },
    {
      name: "create trunk",
      kind: "write",
      target: {
        method: "POST",
        path: trunkPath,
        headers: { authorization: AUTH },
        body: () => JSON.stringify({ trunk_name: `b${tag}${(++uniq).toString(36)}`, nso_code: "ANY-ANY", domain_name: "bench.pstn.exotel.com" }),
      },
    },
    { name: "map number", kind: "write", target: { method: "POST", path: `${trunkPath}/${writeSid}/phone-numbers`, headers: { authorization: AUTH }, body: () => JSON.stringify({ phone_number: nextNumber() }) } },
  ];
  const endpoints: Endpoint[] = [];
  const missing: string[] = [];
  for (const e of all) {
    const probe = await api(base, e.target.method, e.target.path, e.target.body ? JSON.parse(e.target.body()) : undefined, e.target.headers);
    if (notRouted(probe)) missing.push(e.name);
    else if (probe.status !== 200) throw new Error(`${engine} ${e.name}: ${probe.status} ${JSON.stringify(probe.json)}`);
    else endpoints.push(e);
  }
  if (e2eNumbersMissing(mapped, missing)) log(`${engine}: phone-number endpoints not routed yet; list numbers will be measured once they are`);
  return { db, server, endpoints, missing, pin: async () => void (db.appName ? await pinPgBackends(PG_URL, db.appName, PG_CORE) : 0) };
}

function e2eNumbersMissing(mapped: number, missing: string[]): boolean {
  return mapped === 0 && missing.includes("map number");
}

// ---------------------------------------------------------------------------------------------
// 1. Throughput, interleaved with the bare handler

interface Row {
  engine: EngineName | "bare";
  name: string;
  runs: Throughput[];
}

async function throughputRounds(bare: Child, apis: ApiServer[]): Promise<{ bare: Row; rows: Row[] }> {
  const bareTarget: Target = { method: "GET", path: "/bare" };
  const bareRow: Row = { engine: "bare", name: "bare Fastify handler", runs: [] };
  const rows = new Map<string, Row>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const a of apis) {
      const b = await throughput(bare.base, bareTarget, DURATION, WARMUP);
      bareRow.runs.push(b);
      log(`round ${round} bare: ${fmt.int(b.rps)} req/s`);
      for (const e of a.endpoints) {
        const key = `${a.db.engine}:${e.name}`;
        const row = rows.get(key) ?? { engine: a.db.engine, name: e.name, runs: [] };
        rows.set(key, row);
        await a.pin();
        const r = await throughput(a.server.base, e.target, DURATION, WARMUP);
        row.runs.push(r);
        log(`round ${round} ${a.db.engine} ${e.name}: ${fmt.int(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.non2xx || r.errors ? `, NON-2XX ${r.non2xx}, errors ${r.errors}` : ""}`);
      }
    }
  }
  return { bare: bareRow, rows: [...rows.values()] };
}

function throughputTable(bare: Row, rows: Row[]): string {
  const bareMedian = median(bare.runs.map((r) => r.rps));
  const line = (r: Row) => {
    const rps = r.runs.map((x) => x.rps);
    const [lo, hi] = range(rps);
    const ratio = median(rps) / bareMedian;
    const bad = r.runs.reduce((n, x) => n + x.non2xx + x.errors, 0);
    return `| ${r.engine} | ${r.name} | ${fmt.int(median(rps))} | ${fmt.int(lo)}–${fmt.int(hi)} | ${r.engine === "bare" ? "100%" : fmt.pct(ratio)} | ${fmt.ms(median(r.runs.map((x) => x.p50)))} | ${fmt.ms(median(r.runs.map((x) => x.p99)))} | ${bad} |`;
  };
  return [
    "| engine | endpoint | req/s (median) | range | of bare | p50 ms | p99 ms | non-2xx/errors |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    line(bare),
    ...rows.map(line),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// 2. Latency at a fixed rate (paced)

/**
 * PostgreSQL after the throughput step's write load (thousands of trunks and numbers created in
 * seconds): autovacuum and the checkpointer then catch up for a while on the API's shared core,
 * and their work shows as the paced reads' tail. A database in service is not minutes after a
 * write burst of that size, so the paced step runs on a settled one: the bench's schema vacuumed
 * and analysed, then a checkpoint. (The earlier runs without this are kept in docs/benchmarks.md.)
 */
async function settlePostgres(apis: ApiServer[]): Promise<void> {
  for (const a of apis) {
    const schema = a.db.storeOptions.pgSchema;
    if (a.db.engine !== "postgres" || !schema) continue;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      const tables = await c.query<{ t: string }>("select tablename as t from pg_tables where schemaname = $1", [schema]);
      for (const { t } of tables.rows) await c.query(`vacuum (analyze) "${schema}"."${t}"`);
      await c.query("checkpoint");
    } finally {
      await c.end();
    }
  }
}

async function latencyRounds(bare: Child, apis: ApiServer[]): Promise<{ name: string; runs: Paced[] }[]> {
  await settlePostgres(apis);
  const out = new Map<string, { name: string; runs: Paced[] }>();
  const add = (name: string, p: Paced) => {
    const row = out.get(name) ?? { name, runs: [] };
    row.runs.push(p);
    out.set(name, row);
    log(`paced ${name}: p50 ${fmt.ms(p.p50)} ms, p99 ${fmt.ms(p.p99)} ms, p99.9 ${fmt.ms(p.p999)} ms, max ${fmt.ms(p.max)} ms, late sends ${p.lateSends}, errors ${p.errors}`);
  };
  for (let round = 1; round <= ROUNDS; round++) {
    add("bare Fastify handler", await paced(bare.base, { method: "GET", path: "/bare" }, 1000, PACED_SECONDS));
    for (const a of apis) {
      for (const read of a.endpoints.filter((e) => e.name === "get trunk" || e.name.startsWith("list numbers"))) {
        await throughput(a.server.base, read.target, 1, 0, 10); // wake the pool
        await a.pin();
        add(`${a.db.engine}: ${read.name}`, await paced(a.server.base, read.target, 1000, PACED_SECONDS));
      }
    }
  }
  return [...out.values()];
}

function latencyTable(rows: { name: string; runs: Paced[] }[]): string {
  return [
    "| endpoint (1,000 req/s paced) | p50 ms | p99 ms (median, range) | p99.9 ms | max ms | late sends | errors |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) => {
      const p99 = r.runs.map((x) => x.p99);
      const [lo, hi] = range(p99);
      return `| ${r.name} | ${fmt.ms(median(r.runs.map((x) => x.p50)))} | ${fmt.ms(median(p99))} (${fmt.ms(lo)}–${fmt.ms(hi)}) | ${fmt.ms(median(r.runs.map((x) => x.p999)))} | ${fmt.ms(Math.max(...r.runs.map((x) => x.max)))} | ${r.runs.reduce((n, x) => n + x.lateSends, 0)} | ${r.runs.reduce((n, x) => n + x.errors, 0)} |`;
    }),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// 3. Scale: 1k vs 1M

interface ScaleResult {
  engine: EngineName;
  size: string;
  trunks: number;
  numbers: number;
  seedMs: { trunks: number; numbers: number };
  plans: PlanCheck[];
  /** Direct store lookups, microseconds (median / p99 of 2,000 random keys). */
  lookupUs: { trunkBySid: [number, number]; numberInAccount: [number, number] };
  /** Over HTTP, sequential, ms (median / p99). */
  http: Record<string, [number, number]>;
  rss: { idle: number; afterListing: number };
}

async function timeIt(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return out.sort((a, b) => a - b);
}

async function scaleStep(engine: EngineName, size: "small" | "big"): Promise<ScaleResult> {
  const trunks = size === "small" ? 1000 : SCALE_TRUNKS;
  const numbers = size === "small" ? 10_000 : SCALE_NUMBERS;
  const hot = size === "small" ? 5000 : Math.min(100_000, numbers / 10);
  const db = await freshDb(engine, size);
  let server: Child | undefined;
  let store: Store | undefined;
  try {
    cli(db.env, "accounts", "create", "--sid", ACCOUNT.sid, "--api-key", ACCOUNT.key, "--api-token", ACCOUNT.token);
    // Another account's data around ours, as in a shared deployment.
    cli(db.env, "seed", "--account", "neighbour", "--trunks", String(Math.round(trunks / 10)), "--numbers", String(Math.round(numbers / 10)), "--json");
    log(`${engine} ${size}: seeding ${trunks} trunks, ${numbers} numbers`);
    const seeded = JSON.parse(cli(db.env, "seed", "--account", ACCOUNT.sid, "--trunks", String(trunks), "--numbers", String(numbers), "--hot-trunk-numbers", String(hot), "--json")) as {
      hotTrunkSid: string;
      firstNumber: string;
      lastNumber: string;
      ms: { trunks: number; numbers: number };
    };
    log(`${engine} ${size}: seeded in ${seeded.ms.trunks} + ${seeded.ms.numbers} ms`);
    store = openStore(db.storeOptions);
    const sdb = store.db;
    const account = await sdb.selectFrom("accounts").select("api_key").where("sid", "=", ACCOUNT.sid).executeTakeFirstOrThrow();
    const hotTrunk = await sdb.selectFrom("trunks").select(["id", "sid"]).where("sid", "=", seeded.hotTrunkSid).executeTakeFirstOrThrow();
    const ids = await sdb.selectFrom("trunks").select(["id", "sid", "uuid"]).where("account_sid", "=", ACCOUNT.sid).orderBy("id").execute();
    const mid = ids[Math.floor(ids.length / 2)] as { uuid: string };
    const plans = await checkPlans(store, { accountSid: ACCOUNT.sid, apiKey: account.api_key, trunkId: hotTrunk.id, trunkSid: hotTrunk.sid, cursorTrunkUuid: mid.uuid, number: seeded.lastNumber }, hot - 1000);
    // Random keys for lookups.
    const sampleSids = Array.from({ length: 2000 }, (_, i) => (ids[(i * 7919) % ids.length] as { sid: string }).sid);
    const firstN = Number(seeded.firstNumber.slice(3));
    const sampleNumbers = Array.from({ length: 2000 }, (_, i) => `+91${firstN + ((i * 104_729) % numbers)}`);
    await timeIt(300, (i) => trunksRepo.findBySid(sdb, ACCOUNT.sid, sampleSids[i] as string)); // warm
    await timeIt(300, (i) => phoneNumbersRepo.findInAccount(sdb, ACCOUNT.sid, sampleNumbers[i] as string));
    const bySid = await timeIt(2000, (i) => trunksRepo.findBySid(sdb, ACCOUNT.sid, sampleSids[i] as string));
    const byNumber = await timeIt(2000, (i) => phoneNumbersRepo.findInAccount(sdb, ACCOUNT.sid, sampleNumbers[i] as string));
    await store.close();
    store = undefined;

    server = await startPinned(`api-${engine}-${size}`, MAIN, ["serve"], db.env);
    const base = server.base;
    const s = server;
    const pinNow = async () => void (db.appName ? await pinPgBackends(PG_URL, db.appName) : 0);
    const http: Record<string, [number, number]> = {};
    const timeHttp = async (name: string, n: number, path: (i: number) => string) => {
      await api(base, "GET", path(0));
      await pinNow();
      const t = await timeIt(n, async (i) => {
        const r = await api(base, "GET", path(i));
        if (r.status !== 200 && !notRouted(r)) throw new Error(`${name}: ${r.status} ${JSON.stringify(r.json)}`);
      });
      http[name] = [median(t) / 1000, percentile(t, 99) / 1000];
    };
    const rssIdle = s.rssBytes();
    const tp = `/v2/accounts/${ACCOUNT.sid}/trunks`;
    await timeHttp("get trunk by sid", 500, (i) => `${tp}/${sampleSids[i % sampleSids.length]}`);
    await timeHttp("list trunks, first page", 200, () => `${tp}`);
    await timeHttp("list trunks, deep page", 200, () => `${tp}?offset=${trunks - 1000}`);
    const numbersRouted = !notRouted(await api(base, "GET", `${tp}/${hotTrunk.sid}/phone-numbers`));
    if (numbersRouted) {
      await timeHttp("list numbers, first page", 200, () => `${tp}/${hotTrunk.sid}/phone-numbers`);
      await timeHttp(`list numbers, deep page`, 200, () => `${tp}/${hotTrunk.sid}/phone-numbers?offset=${hot - 1000}`);
    }
    if (!notRouted(await api(base, "GET", `/v2/accounts/${ACCOUNT.sid}/trunk-maps?exophone=${encodeURIComponent(sampleNumbers[0] as string)}`))) {
      await timeHttp("trunk-maps (number lookup)", 500, (i) => `/v2/accounts/${ACCOUNT.sid}/trunk-maps?exophone=${encodeURIComponent(sampleNumbers[i % sampleNumbers.length] as string)}`);
    }
    // Memory: walk 100 pages of 1,000 numbers (all of the hot trunk's at 1M) and 100 pages of trunks.
    for (let i = 0; i < 100; i++) {
      if (numbersRouted) await api(base, "GET", `${tp}/${hotTrunk.sid}/phone-numbers?page_size=1000&offset=${(i * 1000) % hot}`);
      await api(base, "GET", `${tp}?page_size=1000&offset=${(i * 1000) % trunks}`);
    }
    const rssAfter = s.rssBytes();
    // The checked-in plans of the hot queries (beside their SQL in src/store/queries/), at 1M rows.
    if (numbers >= 1_000_000) {
      const header = `Plans of the hot queries at ${trunks.toLocaleString("en-US")} trunks / ${numbers.toLocaleString("en-US")} numbers on ${engine} (npm run bench, ${new Date().toISOString().slice(0, 10)}); generic plans are PostgreSQL's for the named statements.`;
      writeFileSync(join(ROOT, "src/store/queries", `plans-1m-${engine}.txt`), `${header}\n\n${formatPlans(plans)}\n`);
    }
    return {
      engine,
      size: `${trunks.toLocaleString("en-US")} trunks / ${numbers.toLocaleString("en-US")} numbers`,
      trunks,
      numbers,
      seedMs: seeded.ms,
      plans,
      lookupUs: { trunkBySid: [median(bySid), percentile(bySid, 99)], numberInAccount: [median(byNumber), percentile(byNumber, 99)] },
      http,
      rss: { idle: rssIdle, afterListing: rssAfter },
    };
  } finally {
    await store?.close();
    await server?.stop();
    await db.dispose();
  }
}

function scaleTables(results: ScaleResult[]): string {
  const out: string[] = [];
  out.push("| engine | data (bench account; +10% in a neighbour account) | seed trunks | seed numbers |", "|---|---|---:|---:|");
  for (const r of results) out.push(`| ${r.engine} | ${r.size} | ${fmt.int(r.seedMs.trunks)} ms | ${fmt.int(r.seedMs.numbers)} ms |`);
  out.push("", "| engine | data | trunk by sid (store, µs p50/p99) | number in account (store, µs p50/p99) | " + "HTTP (ms p50/p99) | RSS idle → after 200 pages of 1,000 |", "|---|---|---:|---:|---|---:|");
  for (const r of results) {
    const http = Object.entries(r.http)
      .map(([k, [p50, p99]]) => `${k}: ${fmt.ms(p50)}/${fmt.ms(p99)}`)
      .join("; ");
    out.push(
      `| ${r.engine} | ${r.size} | ${fmt.int(r.lookupUs.trunkBySid[0])}/${fmt.int(r.lookupUs.trunkBySid[1])} | ${fmt.int(r.lookupUs.numberInAccount[0])}/${fmt.int(r.lookupUs.numberInAccount[1])} | ${http} | ${fmt.mb(r.rss.idle)} → ${fmt.mb(r.rss.afterListing)} |`,
    );
  }
  for (const r of results.filter((x) => x.trunks >= 100_000 || x === results.at(-1))) {
    out.push("", `Query plans, ${r.engine}, ${r.size}:`, "", "```", formatPlans(r.plans), "```");
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const pinned = pinSelf(LOAD_CORE);
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const machine = `${cpu}, ${os.cpus().length} cores, ${fmt.mb(os.totalmem())} RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
  log(machine);
  log(pinned ? `load generator pinned to core ${LOAD_CORE}; servers to core 0` : "WARNING: taskset failed: nothing is pinned");
  log(`rounds ${ROUNDS}, ${DURATION} s per measurement after ${WARMUP} s warm-up, paced ${PACED_SECONDS} s, server LOG_LEVEL=${LOG_LEVEL}, ${opts.tsx ? "server run from source (tsx)" : "server compiled (node dist)"}`);
  const started = Date.now();
  if (!opts.tsx) {
    log("compiling the server (tsc -p tsconfig.build.json) into data/bench/dist");
    rmSync(BUILD_DIR, { recursive: true, force: true });
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", BUILD_DIR], { encoding: "utf8", cwd: ROOT });
    // tsc emits even with type errors elsewhere in the tree; only a missing entry point is fatal.
    MAIN = join(BUILD_DIR, "cli/main.js");
    // The CLI reads its version from ../../package.json relative to its own file (src/cli/program.ts).
    copyFileSync(join(ROOT, "package.json"), join(BUILD_DIR, "..", "package.json"));
    if (spawnSync(process.execPath, [MAIN, "help"], { encoding: "utf8" }).status !== 0) throw new Error(`compiling the server failed:\n${tsc.stdout}${tsc.stderr}`);
  }
  const report: string[] = [`Machine: ${machine}. Pinning: ${pinned ? "servers and their PostgreSQL backends on core 0, load generator on core 1" : "none (taskset failed)"}.`];
  const json: Record<string, unknown> = { machine, pinned, rounds: ROUNDS, duration: DURATION, warmup: WARMUP, logLevel: LOG_LEVEL };

  const apis: ApiServer[] = [];
  const bare = await startPinned("bare", BARE, [], { ...process.env }, [], "/bare");
  try {
    if (!opts["no-throughput"]) {
      for (const engine of ENGINES) apis.push(await startApi(engine));
      for (const a of apis) if (a.missing.length) log(`${a.db.engine}: not routed yet, skipped: ${a.missing.join(", ")}`);
      const t = await throughputRounds(bare, apis);
      const table = throughputTable(t.bare, t.rows);
      report.push("", "### Throughput (autocannon, 50 connections)", "", table);
      json.throughput = t;
      console.log(`\n${table}\n`);
      const l = await latencyRounds(bare, apis);
      const lt = latencyTable(l);
      report.push("", "### Latency at 1,000 req/s (paced sender)", "", lt);
      json.latency = l;
      console.log(`\n${lt}\n`);
      const missing = [...new Set(apis.flatMap((a) => a.missing))];
      if (missing.length) report.push("", `Not measured (endpoint not routed in this build): ${missing.join(", ")}.`);
    }
  } finally {
    for (const a of apis) {
      await a.server.stop();
      await a.db.dispose();
    }
    await bare.stop();
  }

  if (!opts["no-scale"]) {
    const results: ScaleResult[] = [];
    for (const engine of ENGINES) {
      results.push(await scaleStep(engine, "small"));
      results.push(await scaleStep(engine, "big"));
    }
    const st = scaleTables(results);
    report.push("", "### Scale", "", st);
    json.scale = results;
    console.log(`\n${st}\n`);
  }
  const outDir = join(ROOT, "data", "bench");
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  writeFileSync(join(outDir, `http-${stamp}.json`), JSON.stringify(json, null, 2));
  writeFileSync(join(outDir, `http-${stamp}.md`), `${report.join("\n")}\n`);
  log(`done in ${Math.round((Date.now() - started) / 1000)} s; report in data/bench/http-${stamp}.md`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
