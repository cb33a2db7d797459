import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { MemoryRateLimiter } from "../../src/http/rateLimit.js";
import { openRuntime } from "../../src/runtime.js";
import { freePort } from "../helpers/process.js";
import { ENGINES, openStoreFixture, type StoreFixture } from "../helpers/stores.js";

const MAIN = join(import.meta.dirname, "../../src/cli/main.ts");

const KEY_A = randomBytes(32).toString("hex");
const KEY_B = randomBytes(32).toString("hex");

/** A server started with another key than the store's sealed passwords refuses to start, naming the setting. */
for (const engine of ENGINES) {
  describe(`secret key check at start [${engine}]`, () => {
    let store: StoreFixture;
    let dir: string;
    const open = (env: Record<string, string>) =>
      openRuntime(loadConfig({ DATABASE_URL: store.databaseUrl, TRUNKLINE_SECRET_KEY_FILE: join(dir, "secret.key"), ...env }), {
        store: { pgSchema: store.pgSchema },
        limiter: new MemoryRateLimiter(1),
      });

    before(async () => {
      store = await openStoreFixture(engine);
      dir = mkdtempSync(join(tmpdir(), "tl-key-"));
    });
    after(async () => {
      await store?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it("a store without sealed passwords takes any key; once it has some, only their key", async () => {
      const first = await open({ TRUNKLINE_SECRET_KEY: KEY_B });
      await first.close();
      const rt = await open({ TRUNKLINE_SECRET_KEY: KEY_A });
      await rt.services.accounts.create({ sid: "keyed" });
      const trunk = await rt.services.trunks.create("keyed", { name: "sealed", withTrunkCredential: true });
      const [credential] = await rt.services.credentials.list("keyed", trunk.sid);
      await rt.close();

      await assert.rejects(open({ TRUNKLINE_SECRET_KEY: KEY_B }), {
        message:
          "TRUNKLINE_SECRET_KEY is not the key this store's SIP passwords were sealed with: start with the store's key (TRUNKLINE_SECRET_KEY, or TRUNKLINE_SECRET_KEY_FILE pointing at its file)",
      });

      // The same key starts, and the passwords read back.
      const again = await open({ TRUNKLINE_SECRET_KEY: KEY_A });
      assert.deepEqual(await again.services.credentials.list("keyed", trunk.sid), [credential]);
      await again.close();
    });

    it("a wrong key file names the file and TRUNKLINE_SECRET_KEY_FILE", async () => {
      const file = join(dir, "secret.key");
      writeFileSync(file, `${KEY_B}\n`, { mode: 0o600 });
      await assert.rejects(open({}), {
        message: `the key in ${file} (TRUNKLINE_SECRET_KEY_FILE; TRUNKLINE_SECRET_KEY is unset) is not the key this store's SIP passwords were sealed with: start with the store's key (TRUNKLINE_SECRET_KEY, or TRUNKLINE_SECRET_KEY_FILE pointing at its file)`,
      });
      writeFileSync(file, `${KEY_A}\n`);
      const rt = await open({});
      await rt.close();
    });

    it("`trunkline serve` with the wrong key exits non-zero, naming TRUNKLINE_SECRET_KEY", async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: store.databaseUrl, TRUNKLINE_SECRET_KEY: KEY_B, PORT: String(await freePort()), LOG_LEVEL: "warn" };
      if (store.pgSchema) env.TRUNKLINE_PG_SCHEMA = store.pgSchema;
      const run = spawnSync(process.execPath, ["--import", "tsx", MAIN, "serve"], { env, encoding: "utf8", timeout: 120_000 });
      assert.notEqual(run.status, 0, `serve started with the wrong key: ${run.stdout}${run.stderr}`);
      assert.notEqual(run.status, null, "serve was still running after 120 s");
      assert.match(run.stderr, /TRUNKLINE_SECRET_KEY is not the key this store's SIP passwords were sealed with/);
    });
  });
}
