/**
 * By hand, not in the suite: seeds N call records (default 1,000,000) and prints the plans and
 * timings of the call list queries, for docs/calls.md.
 *   npx tsx test/calls/planSeed.ts sqlite 1000000
 *   npx tsx test/calls/planSeed.ts postgres 1000000   (PostgreSQL at TRUNKLINE_TEST_PG_URL or 127.0.0.1/test)
 */
import { createHash } from "node:crypto";
import type { CallListQuery } from "../../src/domain/calls.js";
import { migrateToLatest, openStore } from "../../src/store/db.js";
import { callsRepo } from "../../src/store/repositories/calls.js";
import { openStoreFixture } from "../helpers/stores.js";
import { explainList, seedCalls } from "./seed.js";

const engine = (process.argv[2] ?? "sqlite") as "sqlite" | "postgres";
const N = Number(process.argv[3] ?? 1_000_000);
const fixture = await openStoreFixture(engine);
const store = openStore({ databaseUrl: fixture.databaseUrl, ...(fixture.pgSchema ? { pgSchema: fixture.pgSchema } : {}) });
try {
  await migrateToLatest(store);
  const t0 = Date.now();
  await seedCalls(store, N);
  console.log(`${engine}: seeded ${N} calls in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const days = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const base = (filter: CallListQuery["filter"] = {}, extra: Partial<CallListQuery> = {}): CallListQuery => ({ filter: { startedFrom: days(31), startedTo: days(0), ...filter }, order: "desc", limit: 50, withHops: false, ...extra });
  const mid = { startedAt: days(15), id: Math.floor(N * 0.83) };
  // The seed's sids: the row number as 32 hex digits (SQLite) or its md5 (PostgreSQL).
  const sidOf = (g: number) => (engine === "postgres" ? createHash("md5").update(String(Math.floor(g))).digest("hex") : Math.floor(g).toString(16).padStart(32, "0"));
  const cases: [string, string, CallListQuery][] = [
    ["big account (40% of rows), last 31 days, newest first", "acct_big", base()],
    ["big account, oldest first", "acct_big", base({}, { order: "asc" })],
    ["big account, After cursor mid-range", "acct_big", base({}, { after: mid })],
    ["big account, Before cursor mid-range", "acct_big", base({}, { before: mid })],
    ["big account, Status=busy (10%)", "acct_big", base({ statuses: ["busy"] })],
    ["big account, TrunkSid (5%)", "acct_big", base({ trunk: { sid: "trbig3" } })],
    ["big account, To = one number (rare)", "acct_big", base({ toNumbers: ["+912200000001"] })],
    ["big account, From = one number (rare)", "acct_big", base({ fromNumbers: ["+14150000001"] })],
    ["big account, Duration eq:5s (<1%)", "acct_big", base({ durationMin: 5, durationMax: 5 })],
    ["big account, PhoneNumber = one number (rare)", "acct_big", base({ phoneNumbers: ["+912200000002"] })],
    ["big account, Direction=inbound (50%)", "acct_big", base({ directions: ["inbound"] })],
    ["big account, Sid = 3 sids", "acct_big", base({ sids: [sidOf(10), sidOf(N / 2), sidOf(N - 10)] })],
    ["big account, After cursor at the window's old end (deep page)", "acct_big", base({}, { after: { startedAt: days(30.9), id: Math.floor(N * 0.66) } })],
    ["small account (1.2% of rows), last 31 days", "acct_7", base()],
    // The carrier dialect has no default window: the whole table's span.
    ["carrier: big account, all time, newest first", "acct_big", { ...base(), filter: {} }],
    ["carrier: big account, all time, filter[sip_trunk_id]", "acct_big", { ...base(), filter: { trunk: { uuid: "00000000-0000-4000-8000-000000000003" } } }],
    ["carrier: big account, all time, filter[status]=canceled", "acct_big", { ...base(), filter: { statuses: ["canceled"] } }],
    ["carrier: big account, all time, page[after] deep (60 days back)", "acct_big", { ...base(), filter: {}, after: { startedAt: days(60), id: Math.floor(N / 3) } }],
  ];
  for (const [title, account, query] of cases) {
    const runs: number[] = [];
    let rows = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      rows = (await callsRepo.list(store.db, store.engine, account, query)).length;
      runs.push(performance.now() - t);
    }
    runs.sort((x, y) => x - y);
    const plan = await explainList(store, account, query);
    console.log(`\n## ${title}: ${rows} rows, median ${runs[2]?.toFixed(2)} ms (min ${runs[0]?.toFixed(2)})\n    ${plan.join("\n    ")}`);
  }
  const t = performance.now();
  await callsRepo.oldest(store.db, days(60), 1000, false);
  console.log(`\n## retention batch (1,000 oldest before 60 days ago): ${(performance.now() - t).toFixed(2)} ms`);
  // One pruning transaction as the job runs it: how long an edge's INSERT may wait behind it.
  const batches: number[] = [];
  for (let i = 0; i < 5; i++) {
    const tb = performance.now();
    await store.db.transaction().execute(async (tx) => callsRepo.deleteCalls(tx, await callsRepo.oldest(tx, days(60), 1000, store.engine === "postgres")));
    batches.push(performance.now() - tb);
  }
  batches.sort((x, y) => x - y);
  console.log(`## retention: one batch transaction (select 1,000 + delete hops + delete calls): median ${batches[2]?.toFixed(1)} ms, max ${batches[4]?.toFixed(1)} ms`);
} finally {
  await store.close();
  await fixture.dispose();
}
