import assert from "node:assert/strict";
import { it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { CallRetentionJob } from "../../src/services/calls.js";
import { randomBytes } from "node:crypto";
import { MemoryRateLimiter } from "../../src/http/rateLimit.js";
import { openRuntime } from "../../src/runtime.js";
import { describeOnEngines } from "../helpers/server.js";
import { ENGINES, openStoreFixture } from "../helpers/stores.js";
import { ago, insertCall } from "./fixture.js";

const KEY = randomBytes(32).toString("hex");

it("TRUNKLINE_CALL_RETENTION_DAYS: default 0 (keep forever); a bad value names the variable", () => {
  assert.equal(loadConfig({}).callRetentionDays, 0);
  assert.equal(loadConfig({ TRUNKLINE_CALL_RETENTION_DAYS: "90" }).callRetentionDays, 90);
  assert.throws(() => loadConfig({ TRUNKLINE_CALL_RETENTION_DAYS: "ninety" }), /TRUNKLINE_CALL_RETENTION_DAYS must be a non-negative integer, got 'ninety'/);
});

describeOnEngines("call record retention", (server) => {
  const count = async () => {
    const db = server().runtime.store.db;
    const calls = await db.selectFrom("calls").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    const hops = await db.selectFrom("call_hops").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    return { calls: Number(calls.n), hops: Number(hops.n) };
  };
  const hop = (n: number) => ({ hop: n, destination: "sip:10.0.0.1:5060", sip_code: 503, sip_reason: "Service Unavailable", at: ago(0) });

  it("prunes records started before the cutoff, and their hops, in batches; newer ones stay", async () => {
    const store = server().runtime.store;
    const oldSids: string[] = [];
    for (let i = 0; i < 7; i++) oldSids.push(await insertCall(store, { account_sid: "exoteltest", started_at: ago(100 * 86400 + i), hops: [hop(1), hop(2)] }));
    const keep = await insertCall(store, { account_sid: "exoteltest", started_at: ago(10 * 86400), hops: [hop(1)] });
    assert.deepEqual(await count(), { calls: 8, hops: 15 });
    const deleted = await server().runtime.services.calls.pruneOlderThan(90, { batchSize: 3, pauseMs: 1 });
    assert.equal(deleted, 7);
    assert.deepEqual(await count(), { calls: 1, hops: 1 });
    const left = await store.db.selectFrom("calls").select("sid").execute();
    assert.deepEqual(left.map((r) => r.sid), [keep]);
    // Two pruners at once (several API processes): each row goes once, nothing fails.
    for (let i = 0; i < 6; i++) await insertCall(store, { account_sid: "exoteltest", started_at: ago(200 * 86400 + i), hops: [hop(1)] });
    const both = await Promise.all([server().runtime.services.calls.pruneOlderThan(90, { batchSize: 2, pauseMs: 1 }), server().runtime.services.calls.pruneOlderThan(90, { batchSize: 2, pauseMs: 1 })]);
    assert.equal(both[0] + both[1], 6);
    assert.deepEqual(await count(), { calls: 1, hops: 1 });
  });

  it("the job prunes at start and stops cleanly", async () => {
    const store = server().runtime.store;
    await insertCall(store, { account_sid: "exoteltest", started_at: ago(31 * 86400), hops: [hop(1)] });
    const job = new CallRetentionJob(server().runtime.services.calls, 30, 60_000, (e) => assert.fail(String(e))).start();
    await job.idle();
    await job.stop();
    assert.deepEqual(await count(), { calls: 1, hops: 1 });
  });
});

for (const engine of ENGINES) {
  it(`[${engine}] TRUNKLINE_CALL_RETENTION_DAYS: the API process prunes at start (and every interval)`, async () => {
    const store = await openStoreFixture(engine);
    const open = (env: Record<string, string>) =>
      openRuntime(loadConfig({ DATABASE_URL: store.databaseUrl, TRUNKLINE_SECRET_KEY: KEY, ...env }), { store: { pgSchema: store.pgSchema }, limiter: new MemoryRateLimiter(1) });
    try {
      const first = await open({});
      assert.equal(first.callRetention, undefined, "no job by default: records are kept");
      const fresh = await insertCall(first.store, { account_sid: "x", started_at: ago(6 * 86400) });
      await insertCall(first.store, { account_sid: "x", started_at: ago(8 * 86400) });
      await first.close();
      const second = await open({ TRUNKLINE_CALL_RETENTION_DAYS: "7" });
      try {
        assert.ok(second.callRetention);
        await second.callRetention.idle();
        const left = await second.store.db.selectFrom("calls").select("sid").execute();
        assert.deepEqual(left.map((r) => r.sid), [fresh]);
      } finally {
        await second.close();
      }
    } finally {
      await store.dispose();
    }
  });
}
