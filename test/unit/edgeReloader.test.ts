import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { EdgeReloader } from "../../src/edge/reloader.js";
import { ChangeFeed } from "../../src/services/changeFeed.js";
import { migrateToLatest, openStore, type Store } from "../../src/store/db.js";
import { freePort } from "../helpers/process.js";
import { startFakeEdge } from "./fakeEdge.js";

async function withStore(run: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tl-reloader-"));
  const store = openStore({ databaseUrl: join(dir, "db.sqlite") });
  try {
    await migrateToLatest(store);
    await run(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

it("EdgeReloader backs off from an unreachable edge (doubling waits, one warning each) and reports it out of sync", async () => {
  await withStore(async (store) => {
    const feed = new ChangeFeed();
    const warnings: number[] = [];
    const url = `http://127.0.0.1:${await freePort()}/RPC`; // nothing listens there
    const reloader = new EdgeReloader({ store, feed, urls: [url], pollMs: 60_000, log: { warn: () => warnings.push(Date.now()), info: () => {} } }).start();
    try {
      const t0 = Date.now();
      // A steady stream of changes must not turn into one attempt per change.
      while (Date.now() - t0 < 1600) {
        feed.publish([{ accountSid: "a", trunkId: 1, kind: "phone_number", action: "created" }]);
        await new Promise((r) => setTimeout(r, 10));
      }
      // Attempts at ~0, 100, 300, 700, 1500 ms: five, where one per change would be ~150.
      assert.ok(warnings.length >= 3 && warnings.length <= 6, `attempts: ${warnings.length}`);
      const gaps = warnings.slice(1).map((t, i) => t - (warnings[i] as number));
      for (let i = 1; i < gaps.length; i++) assert.ok((gaps[i] as number) > (gaps[i - 1] as number), `waits grow: ${gaps.join(", ")}`);
      const [status] = reloader.status();
      assert.deepEqual(
        { url: status?.url, state: status?.state, inSync: status?.inSync, up: status?.up, configured: status?.configured, failedUpdates: status?.failedUpdates },
        { url, state: "degraded", inSync: false, up: false, configured: true, failedUpdates: warnings.length },
      );
      assert.match(status?.lastError ?? "", /ECONNREFUSED/);
    } finally {
      await reloader.stop();
    }
  });
});

it("the backoff does what its log line says: an edge that answers core.uptime but fails dispatcher.reload is retried after the logged wait, not at every poll", async () => {
  // The case: an unresolvable destination made dispatcher.reload fail while the edge
  // answered the once-a-second poll, and the poll cut every 5 s wait short.
  const edge = await startFakeEdge((method) => (method === "dispatcher.reload" ? { error: "could not resolve pbx.example.com" } : { result: "ok" }));
  await withStore(async (store) => {
    const warnings: Array<{ at: number; retryInMs: number; msg: string }> = [];
    const log = { warn: (o: object, msg: string) => warnings.push({ at: Date.now(), retryInMs: (o as { retryInMs: number }).retryInMs, msg }), info: () => {} };
    // Polled every 50 ms: twenty polls in each 1 s wait.
    const reloader = new EdgeReloader({ store, feed: new ChangeFeed(), urls: [edge.url], pollMs: 50, discover: false, log }).start();
    try {
      await new Promise((r) => setTimeout(r, 3400));
    } finally {
      await reloader.stop();
    }
    const attempts = edge.of("dispatcher.reload").map((c) => c.at);
    // Waits of 100, 200, 400, 800, 1600 ms: attempts at ~0, 100, 300, 700, 1500, 3100 ms.
    assert.ok(attempts.length >= 4 && attempts.length <= 7, `dispatcher.reload attempts in 3.4 s: ${attempts.length} (polls: ${edge.of("core.uptime").length})`);
    assert.equal(warnings.length, attempts.length, "one warning per attempt");
    for (let i = 1; i < attempts.length; i++) {
      const waited = (attempts[i] as number) - (warnings[i - 1] as { at: number }).at;
      const said = (warnings[i - 1] as { retryInMs: number }).retryInMs;
      assert.ok(waited >= said - 5, `attempt ${i + 1} came ${waited} ms after a warning that said ${said} ms`);
      assert.ok(waited < said + 1000, `attempt ${i + 1} came ${waited} ms after a warning that said ${said} ms`);
    }
    for (const w of warnings) assert.equal(w.msg, `edge update failed; full reload in ${w.retryInMs} ms`);
    assert.deepEqual(
      warnings.map((w) => w.retryInMs).slice(0, 5),
      [100, 200, 400, 800, 1600].slice(0, Math.min(5, warnings.length)),
    );
    assert.equal(reloader.status()[0]?.state, "degraded");
  });
  await edge.close();
});

it("an edge that did not answer is reconciled as soon as it answers again, without waiting out the backoff", async () => {
  await withStore(async (store) => {
    const port = await freePort(); // nothing listens there yet
    const warnings: Array<{ retryInMs: number; msg: string }> = [];
    const reloader = new EdgeReloader({
      store,
      feed: new ChangeFeed(),
      urls: [`http://127.0.0.1:${port}/RPC`],
      pollMs: 100,
      discover: false,
      log: { warn: (o, msg) => warnings.push({ retryInMs: (o as { retryInMs: number }).retryInMs, msg }), info: () => {} },
    }).start();
    try {
      const deadline = Date.now() + 10_000;
      while (!warnings.some((w) => w.retryInMs >= 1600) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.match(warnings.at(-1)?.msg ?? "", /^edge unreachable; full reload in 1600 ms, or as soon as it answers$/);
      const edge = await startFakeEdge(() => ({ result: "ok" }), port);
      try {
        const t0 = Date.now();
        await reloader.settled(5000);
        assert.ok(Date.now() - t0 < 1200, `reconciled ${Date.now() - t0} ms after it answered (the wait was 1600 ms)`);
        assert.equal(reloader.status()[0]?.state, "in_sync");
        assert.equal(edge.of("dispatcher.reload").length, 1);
      } finally {
        await edge.close();
      }
    } finally {
      await reloader.stop();
    }
  });
});
