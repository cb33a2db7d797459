/** Outcome of counting one request against an account's per-minute budget. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (for Retry-After and X-RateLimit-Reset). */
  resetSeconds: number;
}

export interface RateLimiter {
  consume(key: string): Promise<RateLimitDecision>;
  /** False while a shared backend is unreachable and the limiter is failing open. */
  healthy(): boolean;
  close(): Promise<void>;
}

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows per key, in this process only (one API process). Expired windows
 * are swept so memory stays bounded by the number of active accounts.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private lastSweep = Date.now();

  constructor(private readonly limit: number, private readonly now: () => number = Date.now) {}

  async consume(key: string): Promise<RateLimitDecision> {
    const now = this.now();
    const windowStart = now - (now % WINDOW_MS);
    if (now - this.lastSweep > WINDOW_MS) this.sweep(windowStart);
    let w = this.windows.get(key);
    if (!w || w.start !== windowStart) {
      w = { start: windowStart, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    const resetSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    return { allowed: w.count <= this.limit, limit: this.limit, remaining: Math.max(0, this.limit - w.count), resetSeconds };
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {}

  private sweep(windowStart: number): void {
    for (const [k, w] of this.windows) if (w.start < windowStart) this.windows.delete(k);
    this.lastSweep = this.now();
  }
}

/** Sets the X-RateLimit-* headers (and Retry-After when refused) on a reply. */
export function rateLimitHeaders(d: RateLimitDecision): Record<string, string> {
  const h: Record<string, string> = {
    "x-ratelimit-limit": String(d.limit),
    "x-ratelimit-remaining": String(d.remaining),
    "x-ratelimit-reset": String(d.resetSeconds),
  };
  if (!d.allowed) h["retry-after"] = String(d.resetSeconds);
  return h;
}
