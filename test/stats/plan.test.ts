import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CallStatsQuery } from "../../src/domain/calls.js";
import { migrateToLatest, openStore, type Store } from "../../src/store/db.js";
import { callsRepo } from "../../src/store/repositories/calls.js";
import { explainRepositoryQuery, seedCalls } from "../calls/seed.js";
import { ENGINES, openStoreFixture, type StoreFixture } from "../helpers/stores.js";

const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d{3}Z$/, "Z");
const DAY = 86_400_000;

/** The plan of the stats query the repository builds. */
function explainStats(store: Store, accountSid: string, query: CallStatsQuery): Promise<string[]> {
  return explainRepositoryQuery(store, (db) => callsRepo.stats(db, store.engine, accountSid, query));
}

/**
 * The stats query is one range walk of the account's (account_sid, started_at, id) index on both
 * engines, never a scan of the calls table, at 50,000 records over 90 days (test/calls/seed.ts):
 * a day of the big account, a month, a trunk, and a small account.
 */
for (const engine of ENGINES) {
  describe(`call stats query plan (${engine}, 50,000 records)`, () => {
    let fixture: StoreFixture;
    let store: Store;
    before(async () => {
      fixture = await openStoreFixture(engine);
      store = openStore({ databaseUrl: fixture.databaseUrl, ...(fixture.pgSchema ? { pgSchema: fixture.pgSchema } : {}) });
      await migrateToLatest(store);
      await seedCalls(store, 50_000);
    });
    after(async () => {
      await store?.close();
      await fixture?.dispose();
    });

    const cases: [string, string, CallStatsQuery][] = [
      ["the big account's last day in minutes", "acct_big", { from: iso(DAY), to: iso(0), bucketSeconds: 60 }],
      ["the big account's last 31 days in hours", "acct_big", { from: iso(31 * DAY), to: iso(0), bucketSeconds: 3600 }],
      ["one trunk", "acct_big", { from: iso(DAY), to: iso(0), bucketSeconds: 300, trunk: { sid: "trbig3" } }],
      ["a small account", "acct_7", { from: iso(DAY), to: iso(0), bucketSeconds: 60 }],
    ];
    for (const [title, account, query] of cases) {
      it(`${title}: calls_account_started, no scan of calls`, async () => {
        const text = (await explainStats(store, account, query)).join("\n");
        assert.ok(text.includes("calls_account_started"), `expected calls_account_started in:\n${text}`);
        assert.ok(!/Seq Scan on calls|SCAN c\b/.test(text), `no full scan of calls:\n${text}`);
      });
    }

    it("counts what a plain count over the same range counts", async () => {
      const q = { from: iso(7 * DAY), to: iso(0), bucketSeconds: 3600 };
      const rows = await callsRepo.stats(store.db, store.engine, "acct_big", q);
      const expected = await store.db.selectFrom("calls").select((eb) => eb.fn.countAll<number | string>().as("n")).where("account_sid", "=", "acct_big").where("started_at", ">=", q.from).where("started_at", "<", q.to).executeTakeFirstOrThrow();
      assert.equal(rows.reduce((n, r) => n + r.calls, 0), Number(expected.n));
      assert.ok(rows.every((r) => Number.isInteger(r.bucket) && r.bucket >= 0 && r.bucket < 168), "integer buckets within the range");
    });
  });
}
