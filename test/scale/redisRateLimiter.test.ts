import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { RedisRateLimiter } from "../../src/http/redisRateLimiter.js";
import type { ComponentLog } from "../../src/log.js";
import { awaitRoomInWindow, dropRedisPrefix, freePort, REDIS_URL, requireRedis, sleep } from "./harness.js";

function capture(): ComponentLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (_o, msg) => lines.push(`warn ${msg}`), info: (_o, msg) => lines.push(`info ${msg}`) };
}

describe("RedisRateLimiter", () => {
  const prefix = `tltest:${randomBytes(4).toString("hex")}:`;
  const open: RedisRateLimiter[] = [];
  before(requireRedis);
  after(async () => {
    await Promise.all(open.map((l) => l.close()));
    await dropRedisPrefix(prefix);
  });
  const make = async (limit: number, url = REDIS_URL, log: ComponentLog = capture()) => {
    const l = await RedisRateLimiter.open({ url, limit, prefix, log });
    open.push(l);
    return l;
  };

  it("two limiters on one Redis share one fixed window per key, with the memory limiter's numbers", async () => {
    await awaitRoomInWindow(5);
    const [a, b] = [await make(5), await make(5)];
    assert.ok(a.healthy() && b.healthy());
    const decisions = [];
    for (let i = 0; i < 8; i++) decisions.push(await (i % 2 ? b : a).consume("acct_shared"));
    assert.deepEqual(
      decisions.map((d) => [d.allowed, d.remaining]),
      [[true, 4], [true, 3], [true, 2], [true, 1], [true, 0], [false, 0], [false, 0], [false, 0]],
    );
    for (const d of decisions) {
      assert.equal(d.limit, 5);
      assert.ok(d.resetSeconds >= 1 && d.resetSeconds <= 60, String(d.resetSeconds));
    }
    // Another key has its own budget.
    const other = await a.consume("acct_other");
    assert.equal(other.allowed, true);
    assert.equal(other.remaining, 4);
  });

  it("the window's key expires when the window ends", async () => {
    const l = await make(100);
    await l.consume("acct_ttl");
    const { Redis } = await import("ioredis");
    const r = new Redis(REDIS_URL);
    try {
      const keys = await r.keys(`${prefix}rl:{acct_ttl}:*`);
      assert.equal(keys.length, 1);
      const ttl = await r.pttl(keys[0] as string);
      assert.ok(ttl > 0 && ttl <= 60_000, String(ttl));
    } finally {
      r.disconnect();
    }
  });

  it("with Redis unreachable: starts at once, fails open without waiting, unhealthy, one warning", async () => {
    const log = capture();
    const started = Date.now();
    const l = await make(2, `redis://127.0.0.1:${await freePort()}`, log);
    assert.ok(Date.now() - started < 1500, `open took ${Date.now() - started} ms`);
    assert.equal(l.healthy(), false);
    const t = Date.now();
    for (let i = 0; i < 50; i++) assert.equal((await l.consume("acct_down")).allowed, true);
    assert.ok(Date.now() - t < 200, `50 fail-open decisions took ${Date.now() - t} ms`);
    await sleep(1200); // background reconnects fail again: no new warning
    assert.deepEqual(log.lines.filter((x) => x.startsWith("warn")).length, 1, log.lines.join("\n"));
    assert.equal(l.stats().failOpen, 50);
    assert.equal(l.stats().outages, 1);
  });
});
