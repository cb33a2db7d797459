import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { MemoryRateLimiter } from "../../src/http/rateLimit.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { AuthCache } from "../../src/services/authCache.js";
import { trunksRepo } from "../../src/store/repositories/trunks.js";
import { createPgSchema, PG_URL, requirePostgres, SECRET_KEY } from "./harness.js";

/** The per-request shortcuts the benchmark justified: they must not change what the API answers. */
describe("hot-path caches", () => {
  let dir: string;
  let sqliteA: Runtime;
  let sqliteB: Runtime;
  let pgRt: Runtime;
  let dropSchema: () => Promise<void>;

  before(async () => {
    await requirePostgres();
    dir = mkdtempSync(join(tmpdir(), "tl-hot-"));
    const sqliteConfig = loadConfig({ DATABASE_URL: join(dir, "db.sqlite"), TRUNKLINE_SECRET_KEY: SECRET_KEY });
    // Two runtimes on one file stand for two API processes on one database.
    sqliteA = await openRuntime(sqliteConfig, { limiter: new MemoryRateLimiter(1) });
    sqliteB = await openRuntime(sqliteConfig, { limiter: new MemoryRateLimiter(1) });
    const s = await createPgSchema();
    dropSchema = s.drop;
    pgRt = await openRuntime({ ...loadConfig({ DATABASE_URL: PG_URL, TRUNKLINE_SECRET_KEY: SECRET_KEY }), pgSchema: s.schema }, { limiter: new MemoryRateLimiter(1) });
  });

  after(async () => {
    await sqliteA?.close();
    await sqliteB?.close();
    await pgRt?.close();
    await dropSchema?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it("AuthCache: entries expire after the TTL, are forgotten per account, and the cache stays bounded", () => {
    let now = 1000;
    const cache = new AuthCache(3000, 3, () => now);
    const acct = (sid: string) => ({ sid, apiKey: "k", createdAt: "", updatedAt: "" });
    cache.set("a", acct("one"));
    cache.set("b", acct("two"));
    assert.equal(cache.get("a")?.sid, "one");
    now += 2999;
    assert.equal(cache.get("a")?.sid, "one");
    now += 1;
    assert.equal(cache.get("a"), undefined);
    cache.set("c", acct("two"));
    cache.forget("two");
    assert.equal(cache.get("b"), undefined);
    assert.equal(cache.get("c"), undefined);
    for (const k of ["d", "e", "f", "g"]) cache.set(k, acct(k));
    assert.equal(cache.get("g")?.sid, "g");
    assert.equal(cache.get("d"), undefined, "cleared when full");
    assert.notEqual(AuthCache.key("basic", "k", "t"), AuthCache.key("basic", "k:t"));
  });

  it("a token rotated in this process or in another one on the same store stops working on the next request", async () => {
    const issued = await sqliteA.services.accounts.create({ sid: "hot_auth", apiKey: "hot_key_0001", apiToken: "hot_token_000000001" });
    const svcA = sqliteA.services.accounts;
    assert.equal((await svcA.authenticateBasic(issued.apiKey, issued.apiToken))?.sid, "hot_auth");
    assert.equal((await svcA.authenticateToken(issued.apiToken))?.sid, "hot_auth");
    // Rotated by "another process": A's cache is dropped because the store reports another connection's commit.
    const rotated = await sqliteB.services.accounts.rotateToken("hot_auth");
    assert.equal(await svcA.authenticateBasic(issued.apiKey, issued.apiToken), undefined, "the old token is refused at once");
    assert.equal((await svcA.authenticateBasic(issued.apiKey, rotated.apiToken))?.sid, "hot_auth", "the new token works at once");
    assert.equal(await svcA.authenticateToken(issued.apiToken), undefined);
    // Rotated in this process: forgotten at once.
    assert.equal((await svcA.authenticateBasic(issued.apiKey, rotated.apiToken))?.sid, "hot_auth");
    const again = await svcA.rotateToken("hot_auth");
    assert.equal(await svcA.authenticateBasic(issued.apiKey, rotated.apiToken), undefined);
    assert.equal((await svcA.authenticateBasic(issued.apiKey, again.apiToken))?.sid, "hot_auth");
    // Failures are never cached.
    assert.equal(await svcA.authenticateBasic(issued.apiKey, "wrong-token-000"), undefined);
  });

  it("prepared queries: one repository function on two engines in one process, in and out of transactions", async () => {
    const make = async (rt: Runtime, name: string) => {
      await rt.services.accounts.create({ sid: `acct_${name}` });
      return rt.services.trunks.create(`acct_${name}`, { name, nsoCode: "ANY-ANY", domainName: "hot.pstn.exotel.com", withTrunkCredential: true });
    };
    const onSqlite = await make(sqliteA, "on_sqlite");
    const onPg = await make(pgRt, "on_pg");
    for (let i = 0; i < 3; i++) {
      assert.equal((await trunksRepo.findBySid(sqliteA.store.db, "acct_on_sqlite", onSqlite.sid))?.name, "on_sqlite");
      assert.equal((await trunksRepo.findBySid(pgRt.store.db, "acct_on_pg", onPg.sid))?.name, "on_pg");
      assert.equal(await trunksRepo.findBySid(pgRt.store.db, "acct_on_pg", onSqlite.sid), undefined);
      assert.equal(await trunksRepo.findBySid(sqliteA.store.db, "acct_on_pg", onSqlite.sid), undefined, "scoped by account");
    }
    for (const [rt, acct, sid] of [[sqliteA, "acct_on_sqlite", onSqlite.sid], [pgRt, "acct_on_pg", onPg.sid]] as const) {
      const inTx = await rt.store.db.transaction().execute((trx) => trunksRepo.findBySid(trx, acct, sid));
      assert.equal(inTx?.sid, sid);
      const page = await trunksRepo.listByOffset(rt.store.db, acct, 0, 10);
      assert.deepEqual(page.map((t) => t.sid), [sid]);
    }
  });

  it("SQLite statement cache: a statement left mid-iteration is not handed out again", async () => {
    const db = sqliteA.store.db;
    for (let i = 0; i < 5; i++) await db.insertInto("accounts").values({ sid: `iter_${i}`, api_key: `iter_key_${i}`, token_hash: `h${i}`, created_at: "x", updated_at: "x" }).execute();
    const query = () => db.selectFrom("accounts").select("sid").where("sid", "like", "iter_%").orderBy("sid");
    // (Kysely holds SQLite's one connection for a whole stream, so the same SQL cannot run
    // *during* one; what can happen is a stream abandoned part way, then the same SQL again.)
    for await (const row of query().stream()) {
      assert.equal(row.sid, "iter_0");
      break;
    }
    assert.deepEqual((await query().execute()).map((r) => r.sid), ["iter_0", "iter_1", "iter_2", "iter_3", "iter_4"]);
    assert.equal((await query().execute()).length, 5);
  });
});
