import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CallListQuery } from "../../src/domain/calls.js";
import { migrateToLatest, openStore, type Store } from "../../src/store/db.js";
import { ENGINES, openStoreFixture, type StoreFixture } from "../helpers/stores.js";
import { explainList, seedCalls } from "./seed.js";

const days = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
const list = (filter: CallListQuery["filter"] = {}, extra: Partial<CallListQuery> = {}): CallListQuery => ({
  filter: { startedFrom: days(31), startedTo: days(0), ...filter },
  order: "desc",
  limit: 50,
  withHops: false,
  ...extra,
});

/**
 * The call list queries walk the account's own index on both engines, at a size (50,000 rows)
 * where a walk of the all-accounts time index is what a planner left free picks for a big
 * account. The 1M- and 10M-row plans and timings are in docs/calls.md (test/calls/planSeed.ts).
 */
for (const engine of ENGINES) {
  describe(`call list query plans (${engine}, 50,000 records)`, () => {
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

    const cases: [string, string, CallListQuery, string][] = [
      ["the big account's newest page", "acct_big", list(), "calls_account_started"],
      ["oldest first", "acct_big", list({}, { order: "asc" }), "calls_account_started"],
      ["after a cursor", "acct_big", list({}, { after: { startedAt: days(15), id: 41_000 } }), "calls_account_started"],
      ["before a cursor", "acct_big", list({}, { before: { startedAt: days(15), id: 41_000 } }), "calls_account_started"],
      ["a status", "acct_big", list({ statuses: ["busy"] }), "calls_account_started"],
      ["a trunk", "acct_big", list({ trunk: { sid: "trbig3" } }), "calls_account_started"],
      ["a called number", "acct_big", list({ toNumbers: ["+912200000001"] }), "calls_account_to"],
      ["a calling number", "acct_big", list({ fromNumbers: ["+14150000001"] }), "calls_account_from"],
      ["a platform number", "acct_big", list({ phoneNumbers: ["+912200000002"] }), "calls_account_phone"],
      ["a small account", "acct_7", list(), "calls_account_started"],
      ["a direction", "acct_big", list({ directions: ["inbound"] }), "calls_account_started"],
      // The carrier dialect has no default window.
      ["no time window (carrier)", "acct_big", { ...list(), filter: {} }, "calls_account_started"],
      ["no time window, a trunk by uuid (carrier)", "acct_big", { ...list(), filter: { trunk: { uuid: "00000000-0000-4000-8000-000000000003" } } }, "calls_account_started"],
    ];
    for (const [title, account, query, index] of cases) {
      it(`${title}: ${index}`, async () => {
        const plan = await explainList(store, account, query);
        const text = plan.join("\n");
        assert.ok(text.includes(index), `expected ${index} in:\n${text}`);
        assert.ok(!/Seq Scan on calls|SCAN c\b/.test(text), `no full scan of calls:\n${text}`);
        assert.ok(!/USE TEMP B-TREE FOR ORDER BY|Sort Key: c\.started_at/.test(text) || ["calls_account_to", "calls_account_from", "calls_account_phone"].includes(index), `the index yields the order:\n${text}`);
      });
    }
  });
}
