import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkPlans, formatPlans } from "../../bench/lib/plans.js";
import { loadConfig } from "../../src/config.js";
import { MemoryRateLimiter } from "../../src/http/rateLimit.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { seedStore, type SeedResult } from "../../src/store/seed.js";
import { createPgSchema, PG_URL, requirePostgres, SECRET_KEY } from "./harness.js";

/**
 * The list and lookup queries are answered through their indexes on both engines — at a size
 * where a full scan or a walk of the wrong index would already be the cheaper-looking plan for a
 * planner that guesses. The same check runs at 100k trunks / 1M numbers in `npm run bench`.
 */
for (const engine of ["sqlite", "postgres"] as const) {
  describe(`query plans at size (${engine})`, () => {
    let runtime: Runtime;
    let cleanup: () => Promise<void>;
    let big: SeedResult;
    let recent: SeedResult;

    before(async () => {
      let databaseUrl: string;
      let pgSchema: string | undefined;
      if (engine === "postgres") {
        await requirePostgres();
        const s = await createPgSchema();
        databaseUrl = PG_URL;
        pgSchema = s.schema;
        cleanup = s.drop;
      } else {
        const dir = mkdtempSync(join(tmpdir(), "tl-plans-"));
        databaseUrl = join(dir, "db.sqlite");
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      }
      const config = { ...loadConfig({ DATABASE_URL: databaseUrl, TRUNKLINE_SECRET_KEY: SECRET_KEY }), pgSchema };
      runtime = await openRuntime(config, { limiter: new MemoryRateLimiter(1) });
      const region = { alias: config.regions.default.alias, sidCode: config.regions.default.sidCode };
      const seed = async (accountSid: string, trunks: number, numbers: number, hot: number) => {
        await runtime.services.accounts.create({ sid: accountSid }).catch(() => undefined);
        return seedStore(runtime.store, { accountSid, trunks, numbers, hotTrunkNumbers: hot, region, domainSuffix: config.sipDomainSuffix });
      };
      // One big account with a hot trunk, a small one between, and then a trunk whose 5,000
      // numbers are the newest rows of the table (the case a primary-key walk gets wrong).
      big = await seed("plan_big", 3000, 30_000, 5000);
      await seed("plan_small", 50, 200, 0);
      recent = await seed("plan_big", 1, 5000, 5000);
    });

    after(async () => {
      await runtime?.close();
      await cleanup?.();
    });

    const keysFor = async (accountSid: string, trunkSid: string, number: string) => {
      const db = runtime.store.db;
      const account = await db.selectFrom("accounts").select("api_key").where("sid", "=", accountSid).executeTakeFirstOrThrow();
      const trunk = await db.selectFrom("trunks").select("id").where("sid", "=", trunkSid).executeTakeFirstOrThrow();
      const ids = await db.selectFrom("trunks").select(["id", "uuid"]).where("account_sid", "=", accountSid).orderBy("id").execute();
      const mid = (ids[Math.floor(ids.length / 2)] ?? ids[0])?.uuid as string;
      return { accountSid, apiKey: account.api_key, trunkId: trunk.id, trunkSid, cursorTrunkUuid: mid, number };
    };

    it("lists and lookups of a big account use their indexes (no full scan, no primary-key walk, no sort before paging)", async () => {
      const checks = await checkPlans(runtime.store, await keysFor("plan_big", big.hotTrunkSid as string, big.lastNumber as string), 2000);
      assert.ok(checks.every((c) => c.problems.length === 0), formatPlans(checks));
    });

    it("listing the trunk whose numbers are the newest rows still walks only that trunk", async () => {
      const checks = await checkPlans(runtime.store, await keysFor("plan_big", recent.hotTrunkSid as string, recent.firstNumber as string), 2000);
      assert.ok(checks.every((c) => c.problems.length === 0), formatPlans(checks));
    });

    it("a small account among big ones is answered through the account's index", async () => {
      const small = await runtime.store.db.selectFrom("trunks").select("sid").where("account_sid", "=", "plan_small").orderBy("id").executeTakeFirstOrThrow();
      const checks = await checkPlans(runtime.store, await keysFor("plan_small", small.sid, big.firstNumber as string), 10);
      // The number belongs to another account: the lookup must still be by number, then miss.
      assert.ok(checks.every((c) => c.problems.length === 0), formatPlans(checks));
    });

    it("pages come back in id order and complete, whatever the plan", async () => {
      const svc = runtime.services.phoneNumbers;
      const seen: string[] = [];
      for (let offset = 0; ; offset += 1000) {
        const page = await svc.list("plan_big", recent.hotTrunkSid as string, offset, 1000);
        seen.push(...page.items.map((p) => p.number));
        if (!page.hasMore) break;
      }
      assert.equal(seen.length, 5000);
      assert.equal(seen[0], recent.firstNumber);
      assert.equal(seen.at(-1), recent.lastNumber);
      const trunks = await runtime.services.trunks.listByOffset("plan_small", 40, 50);
      assert.equal(trunks.items.length, 10);
      assert.equal(trunks.hasMore, false);
      assert.ok(trunks.items.every((t, i, all) => i === 0 || (all[i - 1] as { id: number }).id < t.id));
      // Past the end: an empty page, not an error; and a page never leaks another account's rows.
      assert.deepEqual(await runtime.services.trunks.listByOffset("plan_small", 50, 50), { items: [], hasMore: false });
      assert.deepEqual(await svc.list("plan_big", recent.hotTrunkSid as string, 5000, 10), { items: [], hasMore: false });
      const first = await runtime.services.trunks.listByOffset("plan_small", 0, 1000);
      assert.equal(first.items.length, 50);
      assert.ok(first.items.every((t) => t.accountSid === "plan_small"));
    });
  });
}
