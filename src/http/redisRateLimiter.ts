import { Redis } from "ioredis";
import type { RateLimitDecision, RateLimiter } from "./rateLimit.js";
import { stderrLog, type ComponentLog } from "../log.js";

const WINDOW_MS = 60_000;

/**
 * One atomic round trip per request. The window is taken from Redis's own clock (TIME), so every
 * API process agrees on when a minute turns whatever their local clocks say; the key is the
 * account's base key plus the window start, and expires when the window ends.
 * Returns {count in this window, milliseconds until the window ends}.
 */
const CONSUME_SCRIPT = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local start = now - (now % window)
local key = KEYS[1] .. ':' .. start
local n = redis.call('INCR', key)
local ttl = start + window - now
if n == 1 then redis.call('PEXPIRE', key, ttl) end
return {n, ttl}
`;

export interface RedisRateLimiterOptions {
  url: string;
  limit: number;
  /** Prepended to every key, so several deployments (or test runs) can share one Redis. */
  prefix?: string;
  /** Per-command timeout; past it the request is allowed and the limiter counts as degraded. */
  commandTimeoutMs?: number;
  /** While degraded, how often to probe Redis in the background. */
  probeIntervalMs?: number;
  log?: ComponentLog;
  now?: () => number;
}

export interface RateLimiterStats {
  /** Requests let through uncounted because Redis was unreachable. */
  failOpen: number;
  /** Times the limiter went from healthy to degraded. */
  outages: number;
}

/**
 * The per-account fixed one-minute window, shared by every API process through Redis.
 *
 * Fails open: when Redis is unreachable, slow (past `commandTimeoutMs`) or erroring, requests are
 * allowed, `healthy()` is false (`/readyz` says `rate_limiter: degraded`), one warning is logged per
 * outage, and Redis is not asked again on the request path until a background probe succeeds —
 * so a hung Redis costs at most one timeout, not one per request.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly client: Redis;
  private readonly limit: number;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly probeIntervalMs: number;
  private log: ComponentLog;
  /** True until the first successful PING, and from any failure until the next one. */
  private degraded = true;
  /** An outage has been logged and has not ended yet (one warning per outage). */
  private inOutage = false;
  private sha: string | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastError: string | undefined;
  private readonly counters: RateLimiterStats = { failOpen: 0, outages: 0 };

  private constructor(options: RedisRateLimiterOptions) {
    this.limit = options.limit;
    this.prefix = options.prefix ?? "trunkline:";
    this.now = options.now ?? Date.now;
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.log = options.log ?? stderrLog("rate_limiter");
    this.client = new Redis(options.url, {
      lazyConnect: true,
      // Never queue a command behind a dead connection: fail it at once, and fail open.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 200,
      connectTimeout: 1000,
      // Keep reconnecting in the background, at most once a second.
      retryStrategy: (times) => Math.min(times * 100, 1000),
      enableReadyCheck: true,
    });
    this.client.on("ready", () => void this.probe());
    this.client.on("close", () => this.markDegraded(this.lastError ? `connection closed (${this.lastError})` : "connection closed"));
    // ioredis emits 'error' on every failed reconnect; the outage is logged once in markDegraded.
    this.client.on("error", (error: Error) => {
      this.lastError = error.message;
      this.markDegraded(error.message);
    });
  }

  /**
   * Connects (waiting at most `waitMs`) and returns the limiter either way: when Redis is not there
   * yet the limiter starts degraded and keeps trying in the background.
   */
  static async open(options: RedisRateLimiterOptions, waitMs = 1000): Promise<RedisRateLimiter> {
    const limiter = new RedisRateLimiter(options);
    let timer: NodeJS.Timeout | undefined;
    const connected = limiter.client.connect().then(
      () => limiter.probe(),
      () => undefined,
    );
    await Promise.race([connected, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    if (limiter.degraded) limiter.markDegraded(limiter.lastError ?? `no connection within ${waitMs} ms`);
    return limiter;
  }

  /** Routes the limiter's log lines through the server's logger (pino). */
  setLogger(log: ComponentLog): void {
    this.log = log;
  }

  async consume(key: string): Promise<RateLimitDecision> {
    if (this.degraded || this.closed) return this.failOpen();
    try {
      const [count, ttl] = await this.run(`${this.prefix}rl:{${key}}`);
      return { allowed: count <= this.limit, limit: this.limit, remaining: Math.max(0, this.limit - count), resetSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    } catch (error) {
      this.markDegraded((error as Error).message);
      return this.failOpen();
    }
  }

  healthy(): boolean {
    return !this.degraded && !this.closed;
  }

  stats(): RateLimiterStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.client.removeAllListeners("close");
    this.client.removeAllListeners("error");
    this.client.on("error", () => undefined);
    try {
      await Promise.race([this.client.quit(), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    } catch {
      // already gone
    }
    this.client.disconnect();
  }

  /** EVALSHA, loading the script on first use and again after a Redis restart (NOSCRIPT). */
  private async run(key: string): Promise<[number, number]> {
    if (this.sha) {
      try {
        return (await this.client.evalsha(this.sha, 1, key, WINDOW_MS)) as [number, number];
      } catch (error) {
        if (!String((error as Error).message).startsWith("NOSCRIPT")) throw error;
      }
    }
    this.sha = (await this.client.script("LOAD", CONSUME_SCRIPT)) as string;
    return (await this.client.evalsha(this.sha, 1, key, WINDOW_MS)) as [number, number];
  }

  private failOpen(): RateLimitDecision {
    this.counters.failOpen++;
    const now = this.now();
    const resetSeconds = Math.max(1, Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000));
    return { allowed: true, limit: this.limit, remaining: this.limit, resetSeconds };
  }

  private markDegraded(reason: string): void {
    if (this.closed) return;
    this.degraded = true;
    if (!this.inOutage) {
      this.inOutage = true;
      this.counters.outages++;
      this.log.warn({ reason }, "rate limiter: Redis unreachable, failing open (requests are allowed uncounted) until it is back");
    }
    if (!this.probeTimer) {
      this.probeTimer = setInterval(() => void this.probe(), this.probeIntervalMs);
      this.probeTimer.unref();
    }
  }

  /** A PING that, when it succeeds while degraded, puts the limiter back on the request path. */
  private async probe(): Promise<void> {
    if (this.closed || this.client.status !== "ready") return;
    try {
      await this.client.ping();
    } catch (error) {
      this.lastError = (error as Error).message;
      return;
    }
    if (this.probeTimer) {
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
    }
    this.degraded = false;
    if (this.inOutage) {
      this.inOutage = false;
      this.log.info({}, "rate limiter: Redis reachable again, limits are shared and enforced");
    }
  }
}
