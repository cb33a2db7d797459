import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { EdgeReloader } from "../../src/edge/reloader.js";
import { ChangeFeed } from "../../src/services/changeFeed.js";
import { migrateToLatest, openStore } from "../../src/store/db.js";
import { freePort } from "../helpers/process.js";

it("EdgeReloader backs off from an unreachable edge (doubling waits, one warning each) and reports it out of sync", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tl-reloader-"));
  const store = openStore({ databaseUrl: join(dir, "db.sqlite") });
  await migrateToLatest(store);
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
    assert.deepEqual(reloader.status(), [{ url, inSync: false, failedUpdates: warnings.length }]);
  } finally {
    await reloader.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
