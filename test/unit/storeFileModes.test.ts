import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { MemoryRateLimiter } from "../../src/http/rateLimit.js";
import { openRuntime } from "../../src/runtime.js";

const mode = (path: string) => statSync(path).mode & 0o777;

/** The SQLite store holds token hashes and sealed passwords: only its owner may read it. */
describe("SQLite store and key file modes", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "tl-modes-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("a new data directory is 0700; the database, its -wal and -shm, and the key file are 0600", async () => {
    const data = join(root, "fresh", "data");
    const db = join(data, "trunkline.db");
    const rt = await openRuntime(loadConfig({ DATABASE_URL: db, TRUNKLINE_SECRET_KEY_FILE: join(data, "secret.key"), TRUNKLINE_DEMO: "1" }), {
      limiter: new MemoryRateLimiter(1),
    });
    try {
      // The demo's sample trunks were written: the WAL and its index exist while the store is open.
      assert.equal(mode(join(root, "fresh")), 0o700);
      assert.equal(mode(data), 0o700);
      for (const file of [db, `${db}-wal`, `${db}-shm`, join(data, "secret.key")]) assert.equal(mode(file), 0o600, file);
    } finally {
      await rt.close();
    }
  });

  it("an existing directory and database keep the modes their owner gave them", async () => {
    const data = join(root, "existing");
    mkdirSync(data, { mode: 0o750 });
    chmodSync(data, 0o750);
    const db = join(data, "trunkline.db");
    writeFileSync(db, "");
    chmodSync(db, 0o640);
    const rt = await openRuntime(loadConfig({ DATABASE_URL: db, TRUNKLINE_SECRET_KEY: "11".repeat(32) }), { limiter: new MemoryRateLimiter(1) });
    await rt.close();
    assert.equal(mode(data), 0o750);
    assert.equal(mode(db), 0o640);
  });
});
