import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { openStore, type Store } from "../../src/store/db.js";

/**
 * SQLite rows are built from the driver's arrays by an object literal compiled per statement
 * (src/store/db.ts, rowBuilder): the objects must be what better-sqlite3 would have built.
 */
describe("SQLite row objects (compiled per statement)", () => {
  let dir: string;
  let store: Store;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tl-rows-"));
    store = openStore({ databaseUrl: join(dir, "db.sqlite") });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async (query: string) => (await sql.raw<Record<string, unknown>>(query).execute(store.db)).rows;

  it("columns in order, with their values and types", async () => {
    const [row] = await rows(`select 1 as a, 'x' as "b c", null as d, 2.5 as "e""f", x'00ff' as g`);
    assert.deepEqual(Object.keys(row ?? {}), ["a", "b c", "d", 'e"f', "g"]);
    assert.deepEqual({ ...row, g: undefined }, { a: 1, "b c": "x", d: null, 'e"f': 2.5, g: undefined });
    assert.ok(Buffer.isBuffer(row?.g));
  });

  it("a repeated column name keeps its first place and its last value (as before)", async () => {
    const [row] = await rows("select 1 as a, 2 as b, 3 as a");
    assert.deepEqual(Object.keys(row ?? {}), ["a", "b"]);
    assert.deepEqual(row, { a: 3, b: 2 });
  });

  it("a column named __proto__ is an own property, not the prototype", async () => {
    const [row] = await rows(`select 1 as "__proto__", 2 as x`);
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(row, "__proto__")?.value, 1);
    assert.equal(row?.x, 2);
  });

  it("many rows, each its own object", async () => {
    const all = await rows("with recursive n(i) as (select 1 union all select i + 1 from n where i < 100) select i, 'r' || i as name from n");
    assert.equal(all.length, 100);
    assert.deepEqual(all[99], { i: 100, name: "r100" });
    assert.notEqual(all[0], all[1]);
  });
});
