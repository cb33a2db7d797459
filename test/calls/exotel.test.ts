import assert from "node:assert/strict";
import { before, it } from "node:test";
import { send, type ExotelClient, type Json } from "../helpers/client.js";
import { describeOnEngines } from "../helpers/server.js";
import { addSeconds, ago, insertCall, trunkIdOf } from "./fixture.js";

/** `YYYY-MM-DD HH:mm:ss` of an ISO time, as Exotel v1 shows it. */
const ex = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

describeOnEngines("Exotel v1 Call Details", (server) => {
  let a: ExotelClient;
  let b: ExotelClient;
  let trunkIn: string;
  let trunkOut: string;
  let otherTrunk: string;
  const t0 = ago(7200);
  const calls: Record<string, string> = {};
  let foreign: string;
  let old: string;

  const v1 = (client: ExotelClient, path: string, auth = client.authorization) => send(`${client.baseUrl}/v1/Accounts/${client.accountSid}${path}`, "GET", { headers: { authorization: auth } });
  const list = async (client: ExotelClient, query: string) => {
    const r = await v1(client, `/Calls.json?${query}`);
    assert.equal(r.status, 200, r.text);
    return r.body as Json;
  };
  const sidsOf = (body: Json) => (body.Calls as Json[]).map((c) => c.Sid as string);
  const badRequest = async (query: string, message: string) => {
    const r = await v1(a, `/Calls?${query}`);
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.body, { RestException: { Status: 400, Message: message } });
  };

  before(async () => {
    const s = server();
    a = await s.account("callsa");
    b = await s.account("callsb");
    trunkIn = await a.createTrunk("carrier_in");
    trunkOut = await a.createTrunk("carrier_out");
    otherTrunk = await b.createTrunk("theirs");
    const store = s.runtime.store;
    const tin = (await trunkIdOf(store, trunkIn)).id;
    const tout = (await trunkIdOf(store, trunkOut)).id;
    const common = { account_sid: "callsa", edge_id: "127.0.0.1:5060" };
    // Oldest first: answered inbound, busy outbound, failover outbound, cancelled inbound, rejected.
    calls.answered = await insertCall(store, {
      ...common, trunk_in_id: tin, trunk_out_id: null, direction: "inbound", from_number: "+14155550100", to_number: "+912240000001", dial_string: "+912240000001",
      phone_number: "+912240000001", status: "completed", sip_code: 200, sip_reason: "OK", destination_first: "sip:10.0.0.1:5060;transport=tcp", destination: "sip:10.0.0.1:5060;transport=tcp",
      attempts: 1, started_at: t0, answered_at: addSeconds(t0, 3), ended_at: addSeconds(t0, 20), duration: 17, ring_ms: 2900, call_id: "answered@pbx",
    });
    calls.busy = await insertCall(store, {
      ...common, trunk_in_id: tin, trunk_out_id: tout, direction: "outbound", from_number: "+912240000001", to_number: "14155550123", dial_string: "+14155550123",
      status: "busy", sip_code: 486, sip_reason: "Busy Here", destination_first: "sip:10.0.0.2:5060", attempts: 1, started_at: addSeconds(t0, 60), ended_at: addSeconds(t0, 62), ring_ms: 800, call_id: "busy@pbx",
    });
    calls.failover = await insertCall(store, {
      ...common, trunk_in_id: tin, trunk_out_id: tout, direction: "outbound", from_number: "+912240000002", to_number: "14155550124", dial_string: "+14155550124",
      status: "completed", sip_code: 200, sip_reason: "OK", destination_first: "sip:10.0.0.2:5060", destination: "sip:10.0.0.3:5060", attempts: 2,
      started_at: addSeconds(t0, 120), answered_at: addSeconds(t0, 125), ended_at: addSeconds(t0, 170), duration: 45, ring_ms: 4100, call_id: "failover@pbx",
      hops: [{ hop: 1, destination: "sip:10.0.0.2:5060", sip_code: 503, sip_reason: "Service Unavailable", at: addSeconds(t0, 121) }],
    });
    calls.canceled = await insertCall(store, {
      ...common, trunk_in_id: tin, direction: "inbound", from_number: "+14155550101", to_number: "+912240000001", phone_number: "+912240000001",
      status: "canceled", sip_code: 487, sip_reason: "Request Terminated", destination_first: "sip:10.0.0.1:5060;transport=tcp", attempts: 1, started_at: addSeconds(t0, 180), ended_at: addSeconds(t0, 190), ring_ms: 500, call_id: "canceled@pbx",
    });
    calls.rejected = await insertCall(store, {
      ...common, trunk_in_id: tin, direction: null, from_number: "+14155550102", to_number: "+919999999999", status: "failed", sip_code: 404, sip_reason: "Not Found",
      started_at: addSeconds(t0, 240), ended_at: addSeconds(t0, 240), call_id: "rejected@pbx",
    });
    // Out of the default 31-day window; another account's call; a call no account owns.
    old = await insertCall(store, { ...common, status: "completed", sip_code: 200, sip_reason: "OK", started_at: ago(40 * 86400), ended_at: ago(40 * 86400 - 10), duration: 10 });
    foreign = await insertCall(store, { account_sid: "callsb", trunk_in_id: (await trunkIdOf(store, otherTrunk)).id, direction: "inbound", status: "completed", sip_code: 200, sip_reason: "OK", started_at: addSeconds(t0, 30), ended_at: addSeconds(t0, 40), duration: 10 });
    await insertCall(store, { account_sid: null, started_at: addSeconds(t0, 31) });
  });

  it("GET a call: Exotel's fields, UTC times as YYYY-MM-DD HH:mm:ss, Duration a string, then our trunk fields", async () => {
    const r = await v1(a, `/Calls/${calls.answered}`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(r.body, {
      Call: {
        Sid: calls.answered, ParentCallSid: null, DateCreated: ex(t0), DateUpdated: ex(addSeconds(t0, 20)), AccountSid: "callsa", To: "+912240000001", From: "+14155550100",
        PhoneNumberSid: "+912240000001", Status: "completed", StartTime: ex(t0), EndTime: ex(addSeconds(t0, 20)), Duration: "17", Price: null, Direction: "inbound",
        AnsweredBy: null, RecordingUrl: null, TrunkSid: trunkIn, TrunkSidOut: null, SipCode: 200, SipReason: "OK", Destination: "sip:10.0.0.1:5060;transport=tcp", Attempts: 1, Media: null,
      },
    });
    assert.deepEqual(Object.keys(r.body.Call), ["Sid", "ParentCallSid", "DateCreated", "DateUpdated", "AccountSid", "To", "From", "PhoneNumberSid", "Status", "StartTime", "EndTime", "Duration", "Price", "Direction", "AnsweredBy", "RecordingUrl", "TrunkSid", "TrunkSidOut", "SipCode", "SipReason", "Destination", "Attempts", "Media"]);
    const json = await v1(a, `/Calls/${calls.answered}.json`);
    assert.deepEqual(json.body, r.body);
    assert.ok(r.headers.get("x-ratelimit-limit"), "rate limit headers as on v2");
  });

  it("an outbound call is outbound-dial with both trunks; a call refused before routing has no Direction", async () => {
    const out = (await v1(a, `/Calls/${calls.busy}.json`)).body.Call;
    assert.equal(out.Direction, "outbound-dial");
    assert.equal(out.TrunkSid, trunkIn);
    assert.equal(out.TrunkSidOut, trunkOut);
    assert.equal(out.Status, "busy");
    assert.equal(out.SipCode, 486);
    assert.equal(out.SipReason, "Busy Here");
    assert.equal(out.Destination, null);
    assert.equal(out.Duration, "0");
    const rejected = (await v1(a, `/Calls/${calls.rejected}`)).body.Call;
    assert.equal(rejected.Direction, null);
    assert.equal(rejected.Status, "failed");
    assert.equal(rejected.Attempts, 0);
  });

  it("details=true adds the Details block: legs and each failover hop", async () => {
    const r = await v1(a, `/Calls/${calls.failover}.json?details=true`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.Call.Details, {
      ConversationDuration: 45,
      Leg1Status: "completed",
      Leg2Status: "completed",
      Legs: [{ Leg: { Id: 1, OnCallDuration: 45 } }, { Leg: { Id: 2, OnCallDuration: 45 } }],
      Hops: [{ Hop: 1, Destination: "sip:10.0.0.2:5060", SipCode: 503, SipReason: "Service Unavailable", Time: ex(addSeconds(t0, 121)) }],
    });
    assert.equal(r.body.Call.Attempts, 2);
    assert.equal(r.body.Call.Destination, "sip:10.0.0.3:5060");
    const rejected = (await v1(a, `/Calls/${calls.rejected}?details=true`)).body.Call.Details;
    assert.deepEqual(rejected, { ConversationDuration: 0, Leg1Status: "failed", Leg2Status: null, Legs: [{ Leg: { Id: 1, OnCallDuration: 0 } }], Hops: [] });
  });

  it("another account's call, an unknown sid and a malformed one are the same 404", async () => {
    for (const sid of [foreign, "0123456789abcdef0123456789abcdef", "not-a-sid"]) {
      const r = await v1(a, `/Calls/${sid}`);
      assert.equal(r.status, 404, r.text);
      assert.deepEqual(r.body, { RestException: { Status: 404, Message: `Call ${sid} not found` } });
    }
    // Its owner sees it.
    assert.equal((await v1(b, `/Calls/${foreign}`)).status, 200);
  });

  it("bad or missing credentials are 401, another account's path 403, in RestException form", async () => {
    const none = await send(`${a.baseUrl}/v1/Accounts/callsa/Calls`, "GET");
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, { RestException: { Status: 401, Message: "Invalid API key or token" } });
    assert.equal(none.headers.get("www-authenticate"), 'Basic realm="trunkline"');
    const wrong = await v1(a, "/Calls", `Basic ${Buffer.from("callsa:nope").toString("base64")}`);
    assert.equal(wrong.status, 401);
    const cross = await send(`${a.baseUrl}/v1/Accounts/callsb/Calls/${foreign}`, "GET", { headers: { authorization: a.authorization } });
    assert.equal(cross.status, 403);
    assert.deepEqual(cross.body, { RestException: { Status: 403, Message: "You do not have access to this account" } });
  });

  it("the list: the account's finished calls of the last 31 days, newest first, with Metadata", async () => {
    for (const path of ["/Calls", "/Calls.json"]) {
      const r = await v1(a, path);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(sidsOf(r.body), [calls.rejected, calls.canceled, calls.failover, calls.busy, calls.answered]);
      assert.equal(r.body.Metadata.PageSize, 50);
      assert.equal(r.body.Metadata.PrevPageUri, null);
      assert.equal(r.body.Metadata.NextPageUri, null);
      assert.match(r.body.Metadata.FirstPageUri, new RegExp(`^/v1/Accounts/callsa${path.replace(".", "\\.")}\\?DateCreated=gte%3A`));
      assert.deepEqual(r.body.Calls[4], (await v1(a, `/Calls/${calls.answered}`)).body.Call);
      assert.equal(r.body.Calls[0].Details, undefined);
    }
    const details = await list(a, "details=true");
    assert.deepEqual(details.Calls[2].Details.Hops[0].SipCode, 503);
    assert.deepEqual(details.Calls[0].Details.Hops, []);
    assert.deepEqual(sidsOf(await list(b, "")), [foreign]);
  });

  it("filters: Sid, DateCreated, To, From, Status, Duration, Direction, PhoneNumber, TrunkSid", async () => {
    const q = (s: string) => list(a, s).then(sidsOf);
    assert.deepEqual(await q(`Sid=${calls.busy},${calls.answered},${foreign}`), [calls.busy, calls.answered]);
    assert.deepEqual(await q(`DateCreated=${encodeURIComponent(`gte:${ex(addSeconds(t0, 60))};lte:${ex(addSeconds(t0, 180))}`)}`), [calls.canceled, calls.failover, calls.busy]);
    assert.deepEqual(await q(`DateCreated=${encodeURIComponent(`gte:${ex(addSeconds(t0, 121))}`)}`), [calls.rejected, calls.canceled]);
    assert.deepEqual(await q(`DateCreated=${encodeURIComponent(`lte:${ex(addSeconds(t0, 60))}`)}`), [calls.busy, calls.answered]);
    assert.deepEqual(await q(`DateCreated=${encodeURIComponent(`gte:${ex(ago(41 * 86400))};lte:${ex(ago(39 * 86400))}`)}`), [old]);
    assert.deepEqual(await q("To=%2B912240000001"), [calls.canceled, calls.answered]);
    assert.deepEqual(await q("To=+912240000001"), [calls.canceled, calls.answered], "an unencoded + is a +");
    assert.deepEqual(await q("To=14155550123,14155550124"), [calls.failover, calls.busy]);
    assert.deepEqual(await q("From=%2B14155550100,%2B14155550102"), [calls.rejected, calls.answered]);
    assert.deepEqual(await q("Status=completed"), [calls.failover, calls.answered]);
    assert.deepEqual(await q("Status=busy,canceled"), [calls.canceled, calls.busy]);
    assert.deepEqual(await q("Status=no-answer"), []);
    assert.deepEqual(await q("Duration=gte:17s"), [calls.failover, calls.answered]);
    assert.deepEqual(await q("Duration=gte:10s;lte:20s"), [calls.answered]);
    assert.deepEqual(await q("Duration=eq:45s"), [calls.failover]);
    assert.deepEqual(await q("Direction=inbound"), [calls.canceled, calls.answered]);
    assert.deepEqual(await q("Direction=outbound-dial"), [calls.failover, calls.busy]);
    assert.deepEqual(await q("Direction=outbound-api"), []);
    assert.deepEqual(await q("PhoneNumber=%2B912240000001"), [calls.canceled, calls.answered]);
    assert.deepEqual(await q(`TrunkSid=${trunkOut}`), [calls.failover, calls.busy]);
    assert.deepEqual(await q(`TrunkSid=${trunkIn}&Status=completed&Direction=inbound`), [calls.answered]);
    // Another account's trunk matches nothing, its calls included.
    assert.deepEqual(await q(`TrunkSid=${otherTrunk}`), []);
  });

  it("pages by cursor forwards and back, both sort orders; page URIs keep the filters", async () => {
    for (const [sort, expected] of [
      ["DateCreated:desc", [calls.rejected, calls.canceled, calls.failover, calls.busy, calls.answered]],
      ["DateCreated:asc", [calls.answered, calls.busy, calls.failover, calls.canceled, calls.rejected]],
    ] as const) {
      const seen: string[] = [];
      const pages: Json[] = [];
      let body = await list(a, `PageSize=2&SortBy=${sort}`);
      for (;;) {
        pages.push(body);
        seen.push(...sidsOf(body));
        assert.equal(body.Metadata.PageSize, 2);
        if (!body.Metadata.NextPageUri) break;
        const r = await send(`${a.baseUrl}${body.Metadata.NextPageUri}`, "GET", { headers: { authorization: a.authorization } });
        assert.equal(r.status, 200, r.text);
        body = r.body;
      }
      assert.deepEqual(seen, expected);
      assert.equal(pages.length, 3);
      assert.equal(pages[0].Metadata.PrevPageUri, null);
      // Back from the last page: the same pages in reverse.
      let back = pages[2];
      for (let i = 1; i >= 0; i--) {
        const r = await send(`${a.baseUrl}${back.Metadata.PrevPageUri}`, "GET", { headers: { authorization: a.authorization } });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(sidsOf(r.body), sidsOf(pages[i]));
        back = r.body;
      }
    }
    const filtered = await list(a, "PageSize=1&Status=completed");
    assert.match(filtered.Metadata.NextPageUri, /Status=completed/);
    const next = await send(`${a.baseUrl}${filtered.Metadata.NextPageUri}`, "GET", { headers: { authorization: a.authorization } });
    assert.deepEqual(sidsOf(next.body), [calls.answered]);
    assert.equal(next.body.Metadata.NextPageUri, null);
  });

  it("bad filters are 400 naming the parameter", async () => {
    const date = "DateCreated must be gte:YYYY-MM-DD HH:mm:ss;lte:YYYY-MM-DD HH:mm:ss (UTC; either bound alone allowed)";
    await badRequest("DateCreated=gte:2026-02-30%2000:00:00", date);
    await badRequest("DateCreated=yesterday", date);
    await badRequest("DateCreated=gte:2026-01-01%2000:00:00;lte:2026-02-01%2000:00:01", "DateCreated range must not exceed one month (31 days)");
    await badRequest("DateCreated=gte:2026-01-02%2000:00:00;lte:2026-01-01%2000:00:00", "DateCreated gte must not be after lte");
    await badRequest("PageSize=101", "PageSize must be an integer between 1 and 100");
    await badRequest("PageSize=0", "PageSize must be an integer between 1 and 100");
    await badRequest("Status=ringing", "Status must be one of completed, failed, busy, no-answer, canceled (got ringing)");
    await badRequest("Direction=sideways", "Direction must be one of inbound, outbound-dial, outbound-api (got sideways)");
    await badRequest("Duration=gt:5s", "Duration must be gte:Ns;lte:Ns (either alone) or eq:Ns, in seconds");
    await badRequest("SortBy=Duration:asc", "SortBy must be DateCreated:asc or DateCreated:desc");
    await badRequest("To=1,2,3,4,5,6", "To takes at most 5 values, got 6");
    await badRequest(`Sid=${Array.from({ length: 101 }, (_, i) => `s${i}`).join(",")}`, "Sid takes at most 100 values, got 101");
    await badRequest("Price=gte:0.10", "Price is not supported: call records carry no price");
    await badRequest("Status=completed&Status=busy", "Status must be given once, with a value");
    await badRequest("PageSize=101&Status=ringing", "Status must be one of completed, failed, busy, no-answer, canceled (got ringing); PageSize must be an integer between 1 and 100");
    await badRequest("To=%00", "Request text must not contain NUL characters");
  });

  it("cursors are tamper-proof: forged, edited, from another account, another filter or the other direction → 400", async () => {
    const page = await list(a, "PageSize=2");
    const after = new URL(page.Metadata.NextPageUri, a.baseUrl).searchParams.get("After") as string;
    const invalid = (kind: string) => `${kind} is not a valid cursor for this list (take it from PrevPageUri or NextPageUri of the same query)`;
    await badRequest("After=garbage", invalid("After"));
    const [payload, mac] = after.split(".") as [string, string];
    const edited = Buffer.from(JSON.stringify(["After", ex(t0).replace(" ", "T") + "Z", 1])).toString("base64url");
    await badRequest(`After=${edited}.${mac}`, invalid("After"));
    await badRequest(`After=${payload}.${mac[0] === "A" ? "B" : "A"}${mac.slice(1)}`, invalid("After"));
    await badRequest(`Before=${after}`, invalid("Before"));
    await badRequest(`After=${after}&Status=completed`, invalid("After"));
    // The same cursor on another account's list is refused, never a page of theirs.
    const r = await v1(b, `/Calls?After=${after}&DateCreated=${encodeURIComponent(new URL(page.Metadata.NextPageUri, a.baseUrl).searchParams.get("DateCreated") as string)}`);
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { RestException: { Status: 400, Message: invalid("After") } });
    await badRequest(`After=${after}&Before=${after}`, "Before cannot be combined with After");
  });
});

describeOnEngines(
  "Exotel v1 Call Details rate limit",
  (server) => {
    it("shares the account's per-minute budget with v2; over it, 429 in RestException form", async () => {
      const s = server();
      const url = `${s.baseUrl}/v1/Accounts/${s.demo.accountSid}/Calls.json`;
      const headers = { authorization: s.demo.authorization };
      assert.equal((await send(url, "GET", { headers })).status, 200);
      assert.equal((await s.demo.request("GET", "/trunks")).status, 200);
      const r = await send(url, "GET", { headers });
      assert.equal(r.status, 429);
      assert.equal(r.body.RestException.Status, 429);
      assert.match(r.body.RestException.Message, /^Rate limit of 2 requests per minute exceeded; retry in \d+ seconds$/);
      assert.equal(r.headers.get("x-ratelimit-remaining"), "0");
    });
  },
  { TRUNKLINE_RATE_LIMIT_PER_MINUTE: "2" },
);
