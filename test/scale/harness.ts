import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { freePort, stopChild, waitUntilReady } from "../helpers/process.js";

export { freePort };

/** Shared by the scale tests: real PostgreSQL, real Redis, real server processes. */
export const PG_URL = process.env.TRUNKLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.TRUNKLINE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const MAIN = join(import.meta.dirname, "../../src/cli/main.ts");
export const SECRET_KEY = "7f".repeat(32);

/** Fails (never skips) with a message that says what is missing and how to start it. */
export async function requirePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    throw new Error(
      `The scale tests need PostgreSQL at ${PG_URL} (set TRUNKLINE_TEST_PG_URL to use another) and it is not reachable: ${(error as Error).message}. ` +
        "Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function requireRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(
      `The scale tests need Redis at ${REDIS_URL} (set TRUNKLINE_TEST_REDIS_URL to use another) and it is not reachable: ${(error as Error).message}. ` +
        "Start it with: redis-server --daemonize yes",
    );
  } finally {
    client.disconnect();
  }
}

/** A fresh schema per run: nothing another run (or engineer) does can collide with it. */
export async function createPgSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `tl_scale_${randomBytes(5).toString("hex")}`;
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

/** Deletes every key a run wrote under its prefix. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length) await client.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}

export function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { env, encoding: "utf8", timeout: 60_000 });
}

export interface ServerProcess {
  port: number;
  base: string;
  child: ChildProcess;
  /** Everything the process wrote on stderr and stdout so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Server processes started here and not yet exited. Whatever ends this test process — a failed
 * hook, an assertion outside `it`, the runner's timeout — they are killed on its way out, so no
 * `trunkline serve` outlives its test.
 */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts `trunkline serve` and waits (bounded) until /healthz answers. */
export async function startServer(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "serve"], { env: { ...env, PORT: String(port), HOST: "127.0.0.1" }, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, `${base}/healthz`, timeoutMs, () => out);
  return {
    port,
    base,
    child,
    output: () => out,
    stop: () => stopChild(child),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function basicAuth(apiKey: string, apiToken: string): string {
  return `Basic ${Buffer.from(`${apiKey}:${apiToken}`).toString("base64")}`;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: { http_code?: number; response?: { code?: number; status?: string; data?: unknown; error_data?: { code: number; description: string } | null } } & Record<string, unknown>;
}

export async function request(base: string, method: string, path: string, auth?: string, body?: unknown): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = auth;
  if (body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await r.text();
  let parsed: JsonResponse["body"];
  try {
    parsed = JSON.parse(text) as JsonResponse["body"];
  } catch {
    parsed = { raw: text };
  }
  return { status: r.status, headers: r.headers, body: parsed };
}

/**
 * Waits, when needed, so that the next `seconds` fit inside one rate-limit window. The window
 * turns on Redis's clock (the limiter asks Redis for TIME), so that is the clock read here.
 */
export async function awaitRoomInWindow(seconds: number): Promise<void> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const [s, us] = await client.time();
    const nowMs = Number(s) * 1000 + Math.floor(Number(us) / 1000);
    const left = 60_000 - (nowMs % 60_000);
    if (left < seconds * 1000) await sleep(left + 250);
  } finally {
    client.disconnect();
  }
}
