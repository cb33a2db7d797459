import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import pg from "pg";
import { loadConfig } from "../../src/config.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { openStore, type Store } from "../../src/store/db.js";
import { repreparedStatements } from "../../src/store/pgNamed.js";
import { phoneNumbersRepo } from "../../src/store/repositories/phoneNumbers.js";
import { trunksRepo } from "../../src/store/repositories/trunks.js";
import { engineFixture, type EngineFixture } from "./engines.js";

/**
 * The hot statements run named on the pg pool, beside Kysely (src/store/pgNamed.ts): the rows
 * are Kysely's, Describe is sent once per statement and connection, an error or a statement
 * dropped on the server leaves nothing stale behind, and every statement is timed for /metrics.
 */
describe("named statements on the pool [postgres]", () => {
  let fx: EngineFixture;
  let rt: Runtime;
  /** One connection, nothing in the background: what goes on the wire is this test's alone. */
  let store: Store;
  let trunkId: number;
  let trunkSid: string;
  const describes: string[] = [];
  const describe0 = pg.Connection.prototype.describe;

  before(async () => {
    fx = await engineFixture("postgres");
    rt = await openRuntime(loadConfig({ DATABASE_URL: fx.databaseUrl, TRUNKLINE_SECRET_KEY: "22".repeat(32), TRUNKLINE_SIP_REALM: "test.realm" }), { store: { pgSchema: fx.pgSchema } });
    await rt.services.accounts.create({ sid: "nm" });
    const t = await rt.services.trunks.create("nm", {
      name: "nm-1",
      withTrunkCredential: true,
      acl: [{ ip: "127.0.21.1", mask: 32 }],
      outboundHost: { host: "pbx.example.net" },
      callerId: "+919000000000",
      routePrefixes: ["91", "1"],
    });
    trunkSid = t.sid;
    await rt.services.phoneNumbers.map("nm", trunkSid, "+919001300001", null);
    store = openStore({ databaseUrl: fx.databaseUrl, pgSchema: fx.pgSchema, poolSize: 1 });
    trunkId = (await trunksRepo.findBySid(store.db, "nm", trunkSid))!.id;
    pg.Connection.prototype.describe = function (this: pg.Connection, ...args: Parameters<pg.Connection["describe"]>) {
      describes.push(args[0].type);
      return describe0.apply(this, args);
    };
  });
  after(async () => {
    pg.Connection.prototype.describe = describe0;
    await store?.close();
    await rt?.close();
    await fx?.dispose();
  });

  it("answers with the rows Kysely answers with: same keys in the same order, same values and types", async () => {
    const reads: ((db: Store["db"]) => Promise<unknown>)[] = [
      (db) => trunksRepo.findBySid(db, "nm", trunkSid),
      (db) => trunksRepo.findDetailById(db, "nm", trunkId),
      (db) => trunksRepo.findWithCredentials(db, "nm", trunkSid),
      (db) => phoneNumbersRepo.findInAccount(db, "nm", "+919001300001"),
      (db) => trunksRepo.findBySid(db, "nm", "no-such-trunk"),
    ];
    for (const read of reads) {
      // Inside a transaction the same compiled query goes through Kysely, unnamed.
      const kysely = await store.db.transaction().execute((trx) => read(trx));
      for (let i = 0; i < 3; i++) {
        const named = await read(store.db);
        assert.deepStrictEqual(named, kysely);
        if (named) assert.deepEqual(Object.keys(named), Object.keys(kysely as object));
      }
    }
    // JSON columns parsed as pg parses them (the credentials of the trunk, as an array).
    const withCredentials = await trunksRepo.findWithCredentials(store.db, "nm", trunkSid);
    assert.ok(Array.isArray(withCredentials?.credentials) && withCredentials.credentials.length === 1);
    assert.equal(typeof withCredentials.id, "number");
  });

  it("describes a statement once per connection, then only binds and executes it", async () => {
    await trunksRepo.findBySid(store.db, "nm", trunkSid);
    describes.length = 0;
    for (let i = 0; i < 10; i++) assert.equal((await trunksRepo.findBySid(store.db, "nm", trunkSid))?.sid, trunkSid);
    assert.deepEqual(describes, []);
  });

  it("a statement dropped on the server (DEALLOCATE ALL) is parsed again, with no error to the caller", async () => {
    await trunksRepo.findBySid(store.db, "nm", trunkSid);
    // Through Kysely, on the pool's only connection: the one holding the statement.
    await sql`deallocate all`.execute(store.db);
    describes.length = 0;
    const before = repreparedStatements();
    assert.equal((await trunksRepo.findBySid(store.db, "nm", trunkSid))?.sid, trunkSid);
    assert.deepEqual(describes, ["P"], "described again after it was parsed again");
    assert.equal(repreparedStatements(), before, "the same name, not a new one");
  });

  it("an error fails its query alone, with the caller's stack; the connection and the statement go on", async () => {
    const seen: [string, boolean][] = [];
    const stop = store.queries.observe((query, seconds, failed) => {
      assert.ok(seconds >= 0 && seconds < 60);
      seen.push([query, failed]);
    });
    try {
      // A parameter PostgreSQL refuses at Bind (an id that is not an integer).
      await assert.rejects(
        () => trunksRepo.findDetailById(store.db, "nm", "not-a-number" as unknown as number),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, "22P02");
          assert.match(e.stack ?? "", /pgNamed\.test\.ts/, "the stack leads back to the caller");
          return true;
        },
      );
      assert.ok(await trunksRepo.findDetailById(store.db, "nm", trunkId));
      assert.ok(await trunksRepo.findDetailById(store.db, "nm", trunkId));
    } finally {
      stop();
    }
    assert.deepEqual(seen, [
      ["select trunks", true],
      ["select trunks", false],
      ["select trunks", false],
    ]);
  });
});
