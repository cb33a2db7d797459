import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { ENGINES, openStoreFixture, type StoreFixture } from "../helpers/stores.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

/** `trunkline accounts create --operator --name`, `accounts update`, `accounts list` on each engine's store. */
for (const engine of ENGINES) {
  describe(`trunkline accounts: operators and names [${engine}]`, () => {
    let store: StoreFixture;
    const env: NodeJS.ProcessEnv = {};
    const cli = (...args: string[]) => {
      const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, "accounts", ...args], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    before(async () => {
      store = await openStoreFixture(engine);
      Object.assign(env, { DATABASE_URL: store.databaseUrl, TRUNKLINE_SECRET_KEY: randomBytes(32).toString("hex"), TRUNKLINE_PG_SCHEMA: store.pgSchema ?? "" });
      if (!store.pgSchema) delete env.TRUNKLINE_PG_SCHEMA;
    });
    after(async () => {
      await store?.dispose();
    });

    it("creates an operator with a name, revokes and restores the flag, renames; list shows both", () => {
      const made = cli("create", "--sid", "ops", "--name", "Platform ops", "--operator", "--json");
      assert.equal(made.status, 0, made.stderr);
      const issued = JSON.parse(made.stdout) as Record<string, string>;
      assert.deepEqual([issued.sid, issued.name, issued.operator], ["ops", "Platform ops", "yes"]);
      assert.equal(cli("create", "--sid", "customer").status, 0);
      const list = () => JSON.parse(cli("list", "--json").stdout) as { sid: string; name: string; operator: boolean }[];
      assert.deepEqual(list().map((a) => [a.sid, a.name, a.operator]), [["customer", "customer", false], ["ops", "Platform ops", true]]);
      assert.match(cli("list").stdout, /^ops\t.*\toperator$/m);
      const off = cli("update", "--sid", "ops", "--no-operator", "--json");
      assert.equal(off.status, 0, off.stderr);
      assert.deepEqual(JSON.parse(off.stdout), { sid: "ops", name: "Platform ops", operator: false });
      const on = cli("update", "--sid", "customer", "--operator", "--name", "Acme");
      assert.equal(on.status, 0, on.stderr);
      assert.match(on.stdout, /account customer: name "Acme", operator/);
      assert.deepEqual(list().map((a) => [a.sid, a.name, a.operator]), [["customer", "Acme", true], ["ops", "Platform ops", false]]);
    });

    it("update refuses an unknown account and an empty change (exit 1, one line)", () => {
      const unknown = cli("update", "--sid", "nobody", "--operator");
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /Account 'nobody' does not exist/);
      const nothing = cli("update", "--sid", "ops");
      assert.equal(nothing.status, 1);
      assert.match(nothing.stderr, /nothing to change/);
      const badName = cli("update", "--sid", "ops", "--name", "");
      assert.equal(badName.status, 1, badName.stderr);
      assert.match(badName.stderr, /name must be 1 to 100 printable characters/);
    });
  });
}
