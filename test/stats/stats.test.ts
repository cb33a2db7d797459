import assert from "node:assert/strict";
import { before, it } from "node:test";
import { addSeconds, insertCall, trunkIdOf } from "../calls/fixture.js";
import type { CarrierClient } from "../helpers/carrierClient.js";
import { basicAuth, send, type ExotelClient, type Json } from "../helpers/client.js";
import { describeOnEngines } from "../helpers/server.js";

/** `YYYY-MM-DD HH:mm:ss` of an ISO time, as Exotel v1 shows it. */
const ex = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

/**
 * GET /v1/Accounts/{sid}/Calls/Stats.json over seeded call records: exact counts per bucket,
 * dense buckets, the TrunkSid filter, isolation, defaults and every parameter's 400.
 */
describeOnEngines("Exotel v1 call stats", (server) => {
  let a: ExotelClient;
  let carrierA: CarrierClient;
  let b: ExotelClient;
  let trunk1: string;
  let trunk2: string;
  // A fixed hour two days back, on a whole hour: buckets are predictable.
  const base = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 48 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const at = (seconds: number) => addSeconds(base, seconds);

  const stats = async (client: ExotelClient, query: string) => send(`${client.baseUrl}/v1/Accounts/${client.accountSid}/Calls/Stats.json?${query}`, "GET", { headers: { authorization: client.authorization } });
  const ok = async (query: string, client: ExotelClient = a) => {
    const r = await stats(client, query);
    assert.equal(r.status, 200, r.text);
    return r.body.Stats as Json;
  };
  const range = (fromS: number, toS: number) => `StartTime=${encodeURIComponent(ex(at(fromS)))}&EndTime=${encodeURIComponent(ex(at(toS)))}`;

  before(async () => {
    const s = server();
    ({ exotel: a, carrier: carrierA } = await s.clients("statsa"));
    b = await s.account("statsb");
    trunk1 = await a.createTrunk("stats_one");
    trunk2 = await a.createTrunk("stats_two");
    const bTrunk = await b.createTrunk("stats_b");
    const store = s.runtime.store;
    const t1 = (await trunkIdOf(store, trunk1)).id;
    const t2 = (await trunkIdOf(store, trunk2)).id;
    const tb = (await trunkIdOf(store, bTrunk)).id;
    const call = (seconds: number, status: string, trunk: { in?: number; out?: number }, account = "statsa") =>
      insertCall(store, { account_sid: account, trunk_in_id: trunk.in ?? null, trunk_out_id: trunk.out ?? null, status, sip_code: status === "completed" ? 200 : 486, sip_reason: "x", started_at: at(seconds), ended_at: at(seconds + 5) });
    // Minute 0: 2 answered on trunk 1, 1 busy on trunk 2. Minute 1: nothing. Minute 2: 1 failed
    // inbound on trunk 1 and out on trunk 2, 1 no-answer. Minute 2, second 59: answered on trunk 2.
    await call(0, "completed", { in: t1 });
    await call(59, "completed", { in: t1 });
    await call(30, "busy", { out: t2 });
    await call(120, "failed", { in: t1, out: t2 });
    await call(150, "no-answer", {});
    await call(179, "completed", { out: t2 });
    // Minute 3 starts the excluded end (EndTime is exclusive); an hour later; B's calls; no account's.
    await call(180, "completed", { in: t1 });
    await call(3600, "canceled", { in: t1 });
    await call(10, "completed", { in: tb }, "statsb");
    await call(11, "completed", { in: tb }, "statsb");
    await insertCall(store, { account_sid: null, started_at: at(12) });
  });

  it("counts per bucket, dense (zeros included), oldest first; EndTime exclusive; totals and answer rate", async () => {
    const s = await ok(`${range(0, 180)}&BucketSeconds=60`);
    assert.deepEqual(s, {
      StartTime: ex(at(0)),
      EndTime: ex(at(180)),
      BucketSeconds: 60,
      TrunkSid: null,
      Totals: { Calls: 6, Answered: 3, Failed: 3, AnswerRate: 0.5 },
      Buckets: [
        { Start: ex(at(0)), Calls: 3, Answered: 2, Failed: 1 },
        { Start: ex(at(60)), Calls: 0, Answered: 0, Failed: 0 },
        { Start: ex(at(120)), Calls: 3, Answered: 1, Failed: 2 },
      ],
    });
  });

  it("larger buckets, and a last bucket cut short by EndTime", async () => {
    const hour = await ok(`${range(0, 7200)}&BucketSeconds=3600`);
    assert.deepEqual(hour.Buckets, [
      { Start: ex(at(0)), Calls: 7, Answered: 4, Failed: 3 },
      { Start: ex(at(3600)), Calls: 1, Answered: 0, Failed: 1 },
    ]);
    const cut = await ok(`${range(0, 150)}&BucketSeconds=120`);
    assert.deepEqual(cut.Buckets.map((x: Json) => [x.Start, x.Calls]), [[ex(at(0)), 3], [ex(at(120)), 1]]);
    assert.equal(cut.Totals.Calls, 4);
  });

  it("TrunkSid: calls in or out over that trunk only; another account's trunk matches nothing", async () => {
    const one = await ok(`${range(0, 180)}&TrunkSid=${trunk1}`);
    assert.equal(one.TrunkSid, trunk1);
    assert.deepEqual(one.Buckets.map((x: Json) => x.Calls), [2, 0, 1]);
    assert.deepEqual(one.Totals, { Calls: 3, Answered: 2, Failed: 1, AnswerRate: 2 / 3 });
    const two = await ok(`${range(0, 180)}&TrunkSid=${trunk2}`);
    assert.deepEqual(two.Buckets.map((x: Json) => [x.Calls, x.Answered]), [[1, 0], [0, 0], [2, 1]]);
    const theirs = (await b.request("GET", "/trunks")).body.response.data[0].trunk_sid as string;
    const none = await ok(`${range(0, 180)}&TrunkSid=${theirs}`);
    assert.deepEqual(none.Totals, { Calls: 0, Answered: 0, Failed: 0, AnswerRate: null });
  });

  it("each account counts only its own calls; an operator reads another account's", async () => {
    const theirs = await ok(`${range(0, 180)}&BucketSeconds=3600`, b);
    assert.deepEqual(theirs.Buckets, [{ Start: ex(at(0)), Calls: 2, Answered: 2, Failed: 0 }]);
    const s = server();
    const op = await s.runtime.services.accounts.create({ sid: "statsop", operator: true });
    const r = await send(`${s.baseUrl}/v1/Accounts/statsb/Calls/Stats.json?${range(0, 180)}&BucketSeconds=3600`, "GET", { headers: { authorization: basicAuth(op.apiKey, op.apiToken) } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.Stats.Buckets, theirs.Buckets);
  });

  it("defaults: the last 24 hours in whole minutes ending with the current one; either bound alone spans 24 hours", async () => {
    const before = Date.now();
    const s = await ok("");
    assert.equal(s.BucketSeconds, 60);
    assert.equal(s.Buckets.length, 1440);
    const end = Date.parse(`${s.EndTime.replace(" ", "T")}Z`);
    assert.equal(end % 60_000, 0);
    assert.ok(end > before && end - before <= 60_000, `EndTime ${s.EndTime} is the end of the current minute`);
    assert.equal(s.StartTime, ex(new Date(end - 86_400_000).toISOString()));
    const fromOnly = await ok(`StartTime=${encodeURIComponent(ex(at(0)))}&BucketSeconds=3600`);
    assert.deepEqual([fromOnly.EndTime, fromOnly.Buckets.length, fromOnly.Totals.Calls], [ex(at(86_400)), 24, 8]);
    const toOnly = await ok(`EndTime=${encodeURIComponent(ex(at(3600)))}&BucketSeconds=3600`);
    assert.deepEqual([toOnly.StartTime, toOnly.Buckets.length, toOnly.Totals.Calls], [ex(at(3600 - 86_400)), 24, 7]);
  });

  it("bad parameters: 400 naming the parameter; the range is at most 31 days and 3000 buckets", async () => {
    const cases: [string, string][] = [
      ["BucketSeconds=59", "BucketSeconds must be an integer between 60 and 3600"],
      ["BucketSeconds=3601", "BucketSeconds must be an integer between 60 and 3600"],
      ["BucketSeconds=1e3", "BucketSeconds must be an integer between 60 and 3600"],
      ["BucketSeconds=", "BucketSeconds must be given once, with a value"],
      ["BucketSeconds=60&BucketSeconds=120", "BucketSeconds must be given once, with a value"],
      ["StartTime=2026-02-30%2000:00:00", "StartTime must be a UTC time as YYYY-MM-DD HH:mm:ss"],
      ["EndTime=2026-11-01T00:00:00Z", "EndTime must be a UTC time as YYYY-MM-DD HH:mm:ss"],
      ["StartTime=2026-11-02%2000:00:00&EndTime=2026-11-01%2000:00:00", "EndTime must be after StartTime"],
      ["StartTime=2026-11-01%2000:00:00&EndTime=2026-11-01%2000:00:00", "EndTime must be after StartTime"],
      ["StartTime=2026-10-01%2000:00:00&EndTime=2026-11-01%2000:00:01&BucketSeconds=3600", "EndTime must be at most 31 days after StartTime"],
      ["StartTime=2026-10-01%2000:00:00&EndTime=2026-10-08%2000:00:00", "BucketSeconds 60 makes 10080 buckets of this range; at most 3000: use larger buckets or a shorter range"],
      ["TrunkSid=tr-1", "TrunkSid must be a trunk sid (letters and digits)"],
    ];
    for (const [query, message] of cases) {
      const r = await stats(a, query);
      assert.equal(r.status, 400, `${query}: ${r.text}`);
      assert.deepEqual(r.body, { RestException: { Status: 400, Message: message } }, query);
    }
    // 31 days exactly, in hours, is allowed.
    const month = await ok("StartTime=2026-10-01%2000:00:00&EndTime=2026-11-01%2000:00:00&BucketSeconds=3600");
    assert.equal(month.Buckets.length, 744);
  });

  it("the carrier twin, GET /carrier/v1/phone_call_stats: the same buckets as meta, its own parameter names and 400s", async () => {
    const stats = (query: string) => send(`${carrierA.baseUrl}/carrier/v1/phone_call_stats?${query}`, "GET", { headers: { authorization: `Bearer ${carrierA.token}` } });
    const uuid = (await trunkIdOf(server().runtime.store, trunk1)).uuid;
    const r = await stats(`filter[created_at][gte]=${at(0)}&filter[created_at][lt]=${at(180)}&filter[sip_trunk_id]=${uuid.toUpperCase()}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get("content-type"), "application/vnd.api+json");
    const v1 = await ok(`${range(0, 180)}&TrunkSid=${trunk1}`);
    assert.deepEqual(r.body, {
      meta: {
        start: at(0),
        end: at(180),
        bucket_seconds: 60,
        sip_trunk_id: uuid,
        totals: { calls: v1.Totals.Calls, answered: v1.Totals.Answered, failed: v1.Totals.Failed, answer_rate: v1.Totals.AnswerRate },
        buckets: v1.Buckets.map((x: Json) => ({ start: `${x.Start.replace(" ", "T")}Z`, calls: x.Calls, answered: x.Answered, failed: x.Failed })),
      },
    });
    const all = await stats(`filter[created_at][gte]=${at(0)}&filter[created_at][lt]=${at(7200)}&bucket[seconds]=3600`);
    assert.deepEqual(all.body.meta.buckets.map((x: Json) => x.calls), [7, 1]);
    const cases: [string, string][] = [
      ["bucket[seconds]=30", "bucket[seconds]"],
      ["filter[created_at][gte]=2026-11-01%2000:00:00", "filter[created_at][gte]"],
      ["filter[created_at][gte]=2026-11-02T00:00:00Z&filter[created_at][lt]=2026-11-01T00:00:00Z", "filter[created_at][lt]"],
      ["filter[created_at][gte]=2026-09-01T00:00:00Z&filter[created_at][lt]=2026-11-01T00:00:00Z&bucket[seconds]=3600", "filter[created_at][lt]"],
      ["filter[created_at][gte]=2026-10-01T00:00:00Z&filter[created_at][lt]=2026-10-08T00:00:00Z", "bucket[seconds]"],
      ["filter[sip_trunk_id]=trmum1", "filter[sip_trunk_id]"],
      ["filter[status]=completed", "filter[status]"],
      ["page[size]=10", "page[size]"],
    ];
    for (const [query, parameter] of cases) {
      const bad = await stats(query);
      assert.equal(bad.status, 400, `${query}: ${bad.text}`);
      assert.deepEqual(bad.body.errors.map((e: Json) => [e.code, e.source]), [["invalid_parameter", { parameter }]], query);
    }
  });
});
