import autocannon from "autocannon";
import { Pool } from "undici";
import { percentile } from "./stats.js";

/** One HTTP request shape; `body` may differ per request (unique names, unique numbers). */
export interface Target {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: () => string;
}

export interface Throughput {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  non2xx: number;
}

/**
 * Closed-loop throughput with autocannon (50 connections): requests/s and the latency the
 * connections saw. A short warm-up first (JIT, pools, caches), not recorded.
 */
export async function throughput(base: string, target: Target, seconds: number, warmupSeconds: number, connections = 50): Promise<Throughput> {
  const requests = [
    {
      method: target.method,
      path: target.path,
      headers: { ...(target.body ? { "content-type": "application/json" } : {}), ...target.headers },
      ...(target.body ? { setupRequest: (req: Record<string, unknown>) => ({ ...req, body: (target.body as () => string)() }) } : {}),
    },
  ];
  if (warmupSeconds > 0) await autocannon({ url: base, connections, duration: warmupSeconds, requests });
  const r = await autocannon({ url: base, connections, duration: seconds, requests, timeout: 10 });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

export interface Paced {
  rate: number;
  sent: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Requests that were not sent within 1 ms of when they were due (sender fell behind). */
  lateSends: number;
  errors: number;
}

/**
 * Open-loop latency at a fixed rate: one request every 1/rate s, each timed from when it was DUE
 * (not from when it happened to be sent), so a stall shows up in the latency of every request
 * queued behind it. A spin on setImmediate keeps the schedule to well under a millisecond; the
 * load generator has its own core, so the spin costs the server nothing.
 */
export async function paced(base: string, target: Target, rate: number, seconds: number, warmupSeconds = 1): Promise<Paced> {
  const pool = new Pool(base, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
  try {
    // The same schedule for a warm-up (connections opened, JIT warm), not recorded.
    if (warmupSeconds > 0) await schedule(pool, target, rate, Math.round(rate * warmupSeconds));
    return await schedule(pool, target, rate, Math.round(rate * seconds));
  } finally {
    await pool.close();
  }
}

async function schedule(pool: Pool, target: Target, rate: number, total: number): Promise<Paced> {
  const url = new URL(target.path, "http://x");
  const path = url.pathname + url.search;
  const intervalNs = BigInt(Math.round(1e9 / rate));
  const latencies: number[] = new Array(total);
  let errors = 0;
  let lateSends = 0;
  let done = 0;
  const headers = { ...(target.body ? { "content-type": "application/json" } : {}), ...target.headers };

  const send = (i: number, due: bigint) => {
    pool
      .request({ method: target.method, path, headers, body: target.body?.() })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode >= 400) errors++;
      })
      .catch(() => {
        errors++;
      })
      .finally(() => {
        latencies[i] = Number(process.hrtime.bigint() - due) / 1e6;
        done++;
      });
  };

  await new Promise<void>((resolve) => {
    const start = process.hrtime.bigint() + 5_000_000n;
    let next = 0;
    const tick = () => {
      const now = process.hrtime.bigint();
      while (next < total) {
        const due = start + BigInt(next) * intervalNs;
        if (due > now) break;
        if (now - due > 1_000_000n) lateSends++;
        send(next, due);
        next++;
      }
      if (next < total) setImmediate(tick);
      else {
        // Bounded: whatever has not come back 10 s after the last send counts as an error.
        const deadline = Date.now() + 10_000;
        const wait = () => (done >= total || Date.now() > deadline ? resolve() : setTimeout(wait, 5));
        wait();
      }
    };
    setImmediate(tick);
  });
  const sorted = latencies.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  errors += total - done;
  return { rate, sent: total, p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), max: sorted.at(-1) ?? NaN, lateSends, errors };
}
