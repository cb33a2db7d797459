import assert from "node:assert/strict";
import { before, it } from "node:test";
import { writeHeartbeat } from "../../src/store/registrations.js";
import { basicAuth, ExotelClient, send, type Json } from "../helpers/client.js";
import { describeOnEngines } from "../helpers/server.js";

/**
 * Operator accounts (docs/operators.md) and the console's account and platform reads: who may
 * use another account's paths, and that everyone else is refused exactly as before.
 */
describeOnEngines("Operators and the console's account API", (server) => {
  let a: { exotel: ExotelClient; token: string };
  let b: { exotel: ExotelClient; token: string };
  let op: { key: string; token: string };
  let trunkA: string;
  let trunkB: string;

  const get = (path: string, auth: string) => send(`${server().baseUrl}${path}`, "GET", { headers: { authorization: auth } });
  const bearer = (token: string) => `Bearer ${token}`;
  /** The Exotel client of account `sid` used with the operator's key and token. */
  const asOperator = (sid: string) => new ExotelClient(server().baseUrl, sid, basicAuth(op.key, op.token));
  const exotelError = (r: { status: number; body: Json }, status: number, code: number) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.response.error_data.code, code);
  };
  const forbidden = (r: { status: number; body: Json }) => {
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.deepEqual(r.body.errors.map((e: Json) => [e.status, e.code]), [["403", "forbidden"]]);
  };

  before(async () => {
    const s = server();
    const make = async (sid: string) => {
      const issued = await s.runtime.services.accounts.create({ sid, name: `Customer ${sid.toUpperCase()}` });
      return { exotel: new ExotelClient(s.baseUrl, sid, basicAuth(issued.apiKey, issued.apiToken)), token: issued.apiToken };
    };
    a = await make("opsa");
    b = await make("opsb");
    const issued = await s.runtime.services.accounts.create({ sid: "opsroot", operator: true });
    op = { key: issued.apiKey, token: issued.apiToken };
    trunkA = await a.exotel.createTrunk("trunk_a");
    trunkB = await b.exotel.createTrunk("trunk_b");
  });

  it("a customer gets 403 (1011 / RestException) on another account's Exotel paths, v2 and v1, reads and writes alike", async () => {
    exotelError(await a.exotel.request("GET", `/v2/accounts/opsb/trunks`), 403, 1011);
    exotelError(await a.exotel.request("GET", `/v2/accounts/opsb/trunks/${trunkB}`), 403, 1011);
    exotelError(await a.exotel.request("POST", `/v2/accounts/opsb/trunks`, { trunk_name: "intruder", nso_code: "ANY-ANY", domain_name: "opsb.pstn.exotel.com" }), 403, 1011);
    exotelError(await a.exotel.request("POST", `/v2/accounts/opsb/trunks/${trunkB}/check`), 403, 1011);
    // Not even a nonexistent account is told apart from someone else's.
    exotelError(await a.exotel.request("GET", `/v2/accounts/nosuchaccount/trunks`), 403, 1011);
    for (const path of ["/v1/Accounts/opsb/Calls.json", "/v1/Accounts/opsb/Calls/Stats.json"]) {
      const r = await get(path, a.exotel.authorization);
      assert.equal(r.status, 403, r.text);
      assert.deepEqual(r.body, { RestException: { Status: 403, Message: "You do not have access to this account" } });
    }
    const listed = await b.exotel.request("GET", "/trunks");
    assert.deepEqual(listed.body.response.data.map((t: Json) => t.trunk_name), ["trunk_b"], "nothing was written into B");
  });

  it("a customer gets 403 forbidden on /accounts, /edges and /media_relays; /account is its own", async () => {
    for (const path of ["/carrier/v1/accounts", "/carrier/v1/accounts?page[size]=1", "/carrier/v1/edges", "/carrier/v1/media_relays"]) forbidden(await get(path, bearer(a.token)));
    const own = await get("/carrier/v1/account", bearer(a.token));
    assert.equal(own.status, 200, own.text);
    assert.equal(own.headers.get("content-type"), "application/vnd.api+json");
    assert.equal(own.body.data.id, "opsa");
    assert.equal(own.body.data.type, "account");
    assert.deepEqual({ ...own.body.data.attributes, created_at: undefined, updated_at: undefined }, { name: "Customer OPSA", operator: false, created_at: undefined, updated_at: undefined });
    assert.match(own.body.data.attributes.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Basic with the token as password works as for every carrier route.
    assert.equal((await get("/carrier/v1/account", basicAuth("anything", a.token))).body.data.id, "opsa");
    const mine = await get("/carrier/v1/account", bearer(op.token));
    assert.deepEqual([mine.body.data.id, mine.body.data.attributes.name, mine.body.data.attributes.operator], ["opsroot", "opsroot", true]);
  });

  it("a wrong key or token is 401 as before, operator or not", async () => {
    for (const path of ["/carrier/v1/account", "/carrier/v1/accounts", "/carrier/v1/edges", "/carrier/v1/media_relays"]) {
      const r = await get(path, bearer("not-a-real-token-123"));
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.errors[0].code, "unauthorized");
      assert.equal((await send(`${server().baseUrl}${path}`, "GET")).status, 401);
    }
    exotelError(await new ExotelClient(server().baseUrl, "opsb", basicAuth(op.key, "wrong-token-1234567")).request("GET", "/trunks"), 401, 1010);
    exotelError(await new ExotelClient(server().baseUrl, "opsb", basicAuth("wrongkey1", op.token)).request("GET", "/trunks"), 401, 1010);
    const v1 = await get("/v1/Accounts/opsb/Calls/Stats.json", basicAuth(op.key, "wrong-token-1234567"));
    assert.equal(v1.status, 401);
  });

  it("an operator reads and writes another account's trunks through the Exotel paths; the account sees them as its own", async () => {
    const asB = asOperator("opsb");
    const got = await asB.request("GET", `/trunks/${trunkB}`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.body.response.data.trunk_name, "trunk_b");
    const made = await asB.request("POST", "/trunks", { trunk_name: "by_operator", nso_code: "ANY-ANY", domain_name: "opsb.pstn.exotel.com" });
    assert.equal(made.status, 200, made.text);
    const sid = made.body.response.data.trunk_sid as string;
    assert.equal((await asB.request("POST", `/trunks/${sid}/whitelisted-ips`, { ip: "203.0.113.7", mask: 32 })).status, 200);
    assert.equal((await asB.request("PUT", `/trunks/${sid}`, { trunk_name: "renamed_by_op" })).status, 200);
    const seen = await b.exotel.request("GET", `/trunks/${sid}`);
    assert.equal(seen.body.response.data.trunk_name, "renamed_by_op", "B sees the operator's trunk as its own");
    assert.equal((await b.exotel.request("GET", `/trunks/${sid}/whitelisted-ips`)).body.response.data[0].ip, "203.0.113.7");
    // The trunk is B's, not the operator's, and not A's.
    exotelError(await a.exotel.request("GET", `/trunks/${sid}`), 404, 1003);
    assert.deepEqual((await asOperator("opsroot").request("GET", "/trunks")).body.response.data, []);
    // Another account's trunk under B's path is still 404 for the operator: paths are scoped, not merged.
    exotelError(await asB.request("GET", `/trunks/${trunkA}`), 404, 1003);
    assert.equal((await asB.request("DELETE", `/trunks?trunk_sid=${sid}`)).status, 200);
    exotelError(await b.exotel.request("GET", `/trunks/${sid}`), 404, 1003);
    // v1 too.
    const calls = await get("/v1/Accounts/opsb/Calls.json", asB.authorization);
    assert.equal(calls.status, 200, calls.text);
  });

  it("an operator naming an account that does not exist gets 404 (1003 / RestException), not another account's data", async () => {
    const r = await asOperator("ghost").request("GET", "/trunks");
    exotelError(r, 404, 1003);
    assert.equal(r.body.response.error_data.description, "Account 'ghost' does not exist");
    const v1 = await get("/v1/Accounts/ghost/Calls/Stats.json", asOperator("ghost").authorization);
    assert.deepEqual([v1.status, v1.body], [404, { RestException: { Status: 404, Message: "Account 'ghost' does not exist" } }]);
  });

  it("the operator's requests on other accounts are charged to the operator's own rate limit", async () => {
    const remaining = async (client: ExotelClient) => Number((await client.request("GET", "/trunks")).headers.get("x-ratelimit-remaining"));
    const first = await remaining(asOperator("opsa"));
    const second = await remaining(asOperator("opsb"));
    const third = await remaining(asOperator("opsroot"));
    assert.deepEqual([second, third], [first - 1, first - 2], "one bucket, the operator's");
    const bLeft = await remaining(b.exotel);
    assert.ok(bLeft > first, `B's own budget is untouched (${bLeft} left, operator ${first})`);
  });

  it("GET /carrier/v1/accounts pages every account in sid order with trunk counts, both ways, by cursor", async () => {
    const all = await get("/carrier/v1/accounts?page[size]=100", bearer(op.token));
    assert.equal(all.status, 200, all.text);
    const ids = all.body.data.map((d: Json) => d.id as string);
    assert.deepEqual(ids, [...ids].sort());
    for (const sid of ["exoteltest", "opsa", "opsb", "opsroot"]) assert.ok(ids.includes(sid), sid);
    const byId = Object.fromEntries(all.body.data.map((d: Json) => [d.id, d.attributes]));
    assert.deepEqual([byId.opsa.sip_trunk_count, byId.opsb.sip_trunk_count, byId.opsroot.sip_trunk_count], [1, 1, 0]);
    assert.deepEqual([byId.opsa.name, byId.opsroot.operator, byId.opsa.operator], ["Customer OPSA", true, false]);
    assert.deepEqual(all.body.links, { prev: null, next: null });
    // Walk forwards one at a time, then back.
    const walked: string[] = [];
    let next: string | null = `/carrier/v1/accounts?page[size]=1`;
    let last: Json;
    while (next) {
      last = await get(next.replace(/^https?:\/\/[^/]+/, ""), bearer(op.token));
      assert.equal(last.status, 200, last.text);
      walked.push(...last.body.data.map((d: Json) => d.id));
      next = last.body.links.next;
      assert.ok(walked.length <= ids.length, "the walk ends");
    }
    assert.deepEqual(walked, ids);
    const back: string[] = [];
    let prev: string | null = last.body.links.prev;
    while (prev) {
      const page = await get(prev.replace(/^https?:\/\/[^/]+/, ""), bearer(op.token));
      back.unshift(...page.body.data.map((d: Json) => d.id));
      prev = page.body.links.prev;
    }
    assert.deepEqual(back, ids.slice(0, -1));
    for (const [query, parameter] of [["page[size]=0", "page[size]"], ["page[after]=a%20b", "page[after]"], ["page[cursor]=x", "page[cursor]"], ["sort=-sid", "sort"], ["filter[operator]=true", "filter[operator]"], ["include=sip_trunks", "include"]]) {
      const r = await get(`/carrier/v1/accounts?${query}`, bearer(op.token));
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.body.errors[0].source, { parameter });
    }
  });

  it("revoking the operator flag takes effect on the next request (cached logins are dropped)", async () => {
    const s = server();
    const issued = await s.runtime.services.accounts.create({ sid: "opstemp", operator: true });
    const auth = basicAuth(issued.apiKey, issued.apiToken);
    const client = new ExotelClient(s.baseUrl, "opsb", auth);
    assert.equal((await client.request("GET", "/trunks")).status, 200);
    assert.equal((await get("/carrier/v1/edges", bearer(issued.apiToken))).status, 200);
    await s.runtime.services.accounts.update("opstemp", { operator: false });
    exotelError(await client.request("GET", "/trunks"), 403, 1011);
    forbidden(await get("/carrier/v1/edges", bearer(issued.apiToken)));
    await s.runtime.services.accounts.update("opstemp", { operator: true, name: "Temp ops" });
    assert.equal((await client.request("GET", "/trunks")).status, 200);
    assert.equal((await get("/carrier/v1/account", bearer(issued.apiToken))).body.data.attributes.name, "Temp ops");
  });

  it("edges and media relays: what the store and this process know, as edge and media_relay resources", async () => {
    const s = server();
    const empty = await get("/carrier/v1/media_relays", bearer(op.token));
    assert.deepEqual([empty.status, empty.body], [200, { data: [] }]);
    // An edge that registered itself (nothing answers its RPC URL: the reloader cannot sync it).
    await writeHeartbeat(s.runtime.store, "edges", { id: "edge-test-1", rpc_url: "http://127.0.0.205:5071/RPC", sip_address: "127.0.205.1:5060", region: "ap-south-1", version: "9.9.9", heartbeat_seconds: 5, started_at: "2026-11-30T00:00:00Z" });
    const r = await get("/carrier/v1/edges", bearer(op.token));
    assert.equal(r.status, 200, r.text);
    const edge = r.body.data.find((e: Json) => e.id === "http://127.0.0.205:5071/RPC");
    assert.ok(edge, r.text);
    assert.equal(edge.type, "edge");
    assert.deepEqual(
      { sip: edge.attributes.sip_address, region: edge.attributes.region, version: edge.attributes.version, configured: edge.attributes.configured },
      { sip: "127.0.205.1:5060", region: "ap-south-1", version: "9.9.9", configured: false },
    );
    assert.match(edge.attributes.last_seen_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(["unknown", "syncing", "degraded"].includes(edge.attributes.state), edge.attributes.state);
    await s.runtime.store.db.deleteFrom("edges").where("id", "=", "edge-test-1").execute();
  });

  it("POST .../trunks/{sid}/check: the steps, edge steps failing without an edge; another account's or an unknown trunk is 404", async () => {
    const r = await a.exotel.request("POST", `/trunks/${trunkA}/check`);
    assert.equal(r.status, 200, r.text);
    const data = r.body.response.data;
    assert.equal(data.ok, false);
    // Access passes: an Exotel trunk is created with its digest credential.
    assert.deepEqual(data.steps.map((s: Json) => [s.name, s.ok]), [["numbers", false], ["access", true], ["destinations", false], ["edge", false]]);
    assert.match(data.steps[3].detail, /no edge is registered/);
    assert.ok(data.steps.every((s: Json) => s.ok || typeof s.fix === "string"), "each failed step says how to fix it");
    // A trunk with what the store needs: those steps pass; still no edge.
    await a.exotel.request("POST", `/trunks/${trunkA}/phone-numbers`, { phone_number: "+919800205001" });
    await a.exotel.request("POST", `/trunks/${trunkA}/whitelisted-ips`, { ip: "127.0.205.10", mask: 32 });
    await a.exotel.request("POST", `/trunks/${trunkA}/destination-uris`, { destinations: [{ destination: "127.0.205.20:5080;transport=tcp" }] });
    const again = (await a.exotel.request("POST", `/trunks/${trunkA}/check`)).body.response.data;
    assert.deepEqual(again.steps.map((s: Json) => [s.name, s.ok]), [["numbers", true], ["access", true], ["destinations", true], ["edge", false]]);
    assert.match(again.steps[0].detail, /\+919800205001/);
    exotelError(await a.exotel.request("POST", `/trunks/${trunkB}/check`), 404, 1003);
    exotelError(await a.exotel.request("POST", `/trunks/trmumnosuchtrunk000000000000/check`), 404, 1003);
    // The operator checks B's trunk under B's path.
    assert.equal((await asOperator("opsb").request("POST", `/trunks/${trunkB}/check`)).status, 200);
  });
});
