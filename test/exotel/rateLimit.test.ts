import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { it } from "node:test";
import type { ApiReply, ExotelClient } from "../helpers/client.js";
import { assertError, assertOk } from "../helpers/exotelAssert.js";
import { describeOnEngines, startServer } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";

/**
 * The limiter counts in fixed one-minute windows that turn on the minute; a burst that must land
 * in one window starts with at least 15 seconds of it left.
 */
async function startOfRoomyWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await sleep(left + 100);
}

async function burst(client: ExotelClient, count: number): Promise<ApiReply[]> {
  const out: ApiReply[] = [];
  for (let i = 0; i < count; i += 20) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(20, count - i) }, () => client.request("GET", "/trunks")))));
  }
  return out;
}

/** 200 requests per minute per account by default (TRUNKLINE_RATE_LIMIT_PER_MINUTE unset). */
describeOnEngines(
  "Exotel rate limit",
  (server) => {
    it("uses the default of 200 per minute", () => {
      assert.equal(server().runtime.config.rateLimitPerMinute, 200);
    });

    it("the 201st request inside a minute gets 429 / 1030 with Retry-After and X-RateLimit-*; another account still gets 200", async () => {
      const a = await server().account("rl_a");
      const b = await server().account("rl_b");
      await startOfRoomyWindow();
      const allowed = await burst(a, 200);
      for (const r of allowed) {
        assertOk(r, "GET");
        assert.equal(r.headers.get("x-ratelimit-limit"), "200");
        assert.equal(r.headers.get("retry-after"), null);
      }
      const remaining = allowed.map((r) => Number(r.headers.get("x-ratelimit-remaining"))).sort((x, y) => x - y);
      assert.deepEqual(remaining, Array.from({ length: 200 }, (_, i) => i));

      const refused = await assertUnchanged(server().runtime, () =>
        a.request("POST", "/trunks", { trunk_name: "over_limit", nso_code: "ANY-ANY", domain_name: "rl_a.pstn.exotel.com" }),
      );
      assertError(refused, "POST", 429, 1030, /^Rate limit of 200 requests per minute exceeded/);
      const retryAfter = Number(refused.headers.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal(refused.headers.get("x-ratelimit-limit"), "200");
      assert.equal(refused.headers.get("x-ratelimit-remaining"), "0");
      assert.equal(refused.headers.get("x-ratelimit-reset"), String(retryAfter));

      assertOk(await b.request("GET", "/trunks"), "GET");
      assertError(await a.request("GET", "/trunks"), "GET", 429, 1030);
    });

    it("the limit is configurable (TRUNKLINE_RATE_LIMIT_PER_MINUTE)", async () => {
      const small = await startServer(server().engine, { TRUNKLINE_RATE_LIMIT_PER_MINUTE: "5" });
      try {
        await startOfRoomyWindow();
        const replies = await burst(small.demo, 6);
        assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 429]);
      } finally {
        await small.close();
      }
    });
  },
  // Empty means unset: loadConfig falls back to the default.
  { TRUNKLINE_RATE_LIMIT_PER_MINUTE: "" },
);
