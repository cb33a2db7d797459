import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { it } from "node:test";
import { basicAuth, send, sendBare } from "../helpers/client.js";
import { JSONAPI } from "../helpers/carrierClient.js";
import { describeOnEngines } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";
import { assertErrors, assertJsonApi } from "./assert.js";

const VALID = { name: "Proto", authentication_mode: "ip_address", region: "us-east-1" };
const TOKEN = "a1b2c3d4e5f6g7h8i9j0";

describeOnEngines("Carrier protocol: auth, documents, media types", (server) => {
  it("401 as a JSON:API error document: no header, a wrong token, a Basic key:token pair whose password is not a token", async () => {
    const url = server().demoCarrier.url();
    const attempts: Record<string, string>[] = [{}, { authorization: "Bearer wrong-token-000000000" }, { authorization: basicAuth("exoteltest", "nope") }, { authorization: "Digest abc" }];
    for (const headers of attempts) {
      const r = await send(url, "GET", { headers });
      assertErrors(r, 401, [{ title: "Unauthorized" }]);
      assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer/);
    }
  });

  it("the API token works as Bearer and as the password of HTTP Basic", async () => {
    assertJsonApi(await send(server().demoCarrier.url(), "GET", { headers: { authorization: `Bearer ${TOKEN}` } }), 200);
    assertJsonApi(await send(server().demoCarrier.url(), "GET", { headers: { authorization: basicAuth("anything", TOKEN) } }), 200);
  });

  it("401 comes before the body: a bad token with malformed JSON is still 401", async () => {
    const r = await send(server().demoCarrier.url(), "POST", { headers: { authorization: "Bearer bad", "content-type": JSONAPI }, body: "{nope" });
    assertErrors(r, 401, [{ title: "Unauthorized" }]);
  });

  it("400 for malformed JSON, a body that is not an object, a document without data, data that is not an object; nothing stored", async () => {
    const c = server().demoCarrier;
    for (const body of ["{nope", "[]", '"text"', "{}", '{"meta": {}}', '{"data": null}', '{"data": [1]}', ""]) {
      const r = await assertUnchanged(server().runtime, () => c.raw("POST", "", { headers: { "content-type": JSONAPI }, body }));
      assertErrors(r, 400, [{ title: "Bad Request" }]);
    }
  });

  it("application/json is accepted as well as application/vnd.api+json; anything else → 415", async () => {
    const c = server().demoCarrier;
    const doc = (name: string) => JSON.stringify({ data: { type: "sip_trunk", attributes: { ...VALID, name } } });
    assertJsonApi(await c.raw("POST", "", { headers: { "content-type": "application/json" }, body: doc("Plain JSON") }), 201);
    assertJsonApi(await c.raw("POST", "", { headers: { "content-type": `${JSONAPI}; charset=utf-8` }, body: doc("With charset") }), 201);
    const r = await assertUnchanged(server().runtime, () => c.raw("POST", "", { headers: { "content-type": "text/plain" }, body: doc("Text") }));
    assertErrors(r, 415, [{ title: "Unsupported Media Type" }]);
    assert.match(r.body.errors[0].detail, /text\/plain/);
    const none = await sendBare(c.url(), "POST", { authorization: `Bearer ${TOKEN}` }, doc("No type"));
    assertErrors(none, 415, [{ title: "Unsupported Media Type" }]);
  });

  it("413 for a body over 64 KiB, nothing stored", async () => {
    const body = JSON.stringify({ data: { type: "sip_trunk", attributes: { ...VALID, name: "Big", pad: "x".repeat(70_000) } } });
    const r = await assertUnchanged(server().runtime, () => server().demoCarrier.raw("POST", "", { headers: { "content-type": JSONAPI }, body }));
    assertErrors(r, 413, [{ title: "Payload Too Large" }]);
  });

  it("wrong data.type → 422 at /data/type; PATCH with another id → 422 at /data/id; both reported with attribute errors", async () => {
    const c = server().demoCarrier;
    const wrongType = await assertUnchanged(server().runtime, () => c.request("POST", "", { data: { type: "sip_trunks", attributes: { ...VALID, region: "nowhere" } } }));
    assertErrors(wrongType, 422, [
      { pointer: "/data/type", title: "must be sip_trunk" },
      { pointer: "/data/attributes/region", title: "is invalid" },
    ]);
    const id = await c.createTrunk("Patch target");
    const otherId = "7f1d0a52-6c11-4b53-9a3e-2b1f1a7d1c00";
    const mismatch = await assertUnchanged(server().runtime, () => c.request("PATCH", `/${id}`, { data: { type: "sip_trunk", id: otherId, attributes: { name: "X" } } }));
    assertErrors(mismatch, 422, [{ pointer: "/data/id", title: "must equal the id in the URL" }]);
    const noId = await c.request("PATCH", `/${id}`, { data: { type: "sip_trunk", attributes: { max_channels: 2 } } });
    assertJsonApi(noId, 200);
    assert.equal(noId.body.data.attributes.max_channels, 2);
  });

  it("unknown and malformed ids → 404, whatever the body", async () => {
    const c = server().demoCarrier;
    for (const id of ["7f1d0a52-6c11-4b53-9a3e-2b1f1a7d1c00", "not-a-uuid", "1"]) {
      assertErrors(await c.request("GET", `/${id}`), 404, [{ title: "Not Found" }]);
      assertErrors(await c.request("PATCH", `/${id}`, { data: { type: "sip_trunk", attributes: { name: 5 } } }), 404, [{ title: "Not Found" }]);
      assertErrors(await c.request("DELETE", `/${id}`), 404, [{ title: "Not Found" }]);
    }
    assertErrors(await c.raw("GET", "/../../v1/nothing"), 404, [{ title: "Not Found" }]);
  });

  it("fields[sip_trunk] keeps only the attributes named, in their usual order, on every route", async () => {
    const c = server().demoCarrier;
    const q = "?fields[sip_trunk]=region,name";
    const created = await c.request("POST", q, { data: { type: "sip_trunk", attributes: { ...VALID, name: "Sparse", max_channels: 4 } } });
    assertJsonApi(created, 201);
    assert.deepEqual(created.body.data.attributes, { name: "Sparse", region: "us-east-1" });
    const id = created.body.data.id as string;
    assert.equal(created.body.data.type, "sip_trunk");
    assert.ok(created.body.data.links.self.endsWith(`/${id}`));
    const one = await c.request("GET", `/${id}?fields[sip_trunk]=max_channels`);
    assert.deepEqual(one.body.data.attributes, { max_channels: 4 });
    const none = await c.request("GET", `/${id}?fields[sip_trunk]=`);
    assert.deepEqual(none.body.data.attributes, {});
    const list = await c.request("GET", `?page[size]=1&fields[sip_trunk]=name`);
    assert.deepEqual(list.body.data[0].attributes, { name: "Sparse" });
    assert.ok(list.body.links.next === null || typeof list.body.links.next === "string");
    const patched = await c.request("PATCH", `/${id}${q}`, { data: { type: "sip_trunk", id, attributes: { max_channels: 5 } } });
    assert.deepEqual(patched.body.data.attributes, { name: "Sparse", region: "us-east-1" });
    // Another type's fieldset does not apply to sip_trunk resources.
    const other = await c.request("GET", `/${id}?fields[people]=name`);
    assert.equal(other.body.data.attributes.max_channels, 5);
    const deleted = await c.request("DELETE", `/${id}${q}`);
    assert.deepEqual(deleted.body.data.attributes, { name: "Sparse", region: "us-east-1" });
  });

  it("include, sort and filter are refused (400 naming the parameter), as are unknown fields; nothing is written", async () => {
    const c = server().demoCarrier;
    const id = await c.createTrunk("Refused");
    for (const [query, parameter, title] of [
      ["include=owner", "include", "is not supported: a sip_trunk has no relationships"],
      ["sort=name", "sort", "is not supported: trunks are listed newest first"],
      ["filter[region]=x", "filter[region]", "is not supported here (the sip_trunks list takes filter[name] only)"],
      ["filter=x", "filter", "is not supported here (the sip_trunks list takes filter[name] only)"],
      ["fields[sip_trunk]=name,colour", "fields[sip_trunk]", "names unknown fields: colour"],
      ["fields[sip_trunk]=name&fields[sip_trunk]=region", "fields[sip_trunk]", "must be given once"],
    ] as const) {
      assertErrors(await c.request("GET", `?${query}`), 400, [{ parameter, title }]);
      assertErrors(await c.request("GET", `/${id}?${query}`), 400, [{ parameter, title }]);
      const r = await assertUnchanged(server().runtime, () => c.request("POST", `?${query}`, { data: { type: "sip_trunk", attributes: { ...VALID, name: "Never" } } }));
      assertErrors(r, 400, [{ parameter, title }]);
      const p = await assertUnchanged(server().runtime, () => c.request("PATCH", `/${id}?${query}`, { data: { type: "sip_trunk", id, attributes: { name: "Never" } } }));
      assertErrors(p, 400, [{ parameter, title }]);
      assertErrors(await c.request("DELETE", `/${id}?${query}`), 400, [{ parameter, title }]);
    }
    assertJsonApi(await c.request("GET", `/${id}`), 200);
    assertJsonApi(await c.request("DELETE", `/${id}`), 200);
  });

  it("NUL characters in the body → 400, never a server error", async () => {
    const r = await assertUnchanged(server().runtime, () => server().demoCarrier.create({ ...VALID, name: "nul\u0000name" }));
    assertErrors(r, 400, [{ title: "Bad Request" }]);
  });
});

describeOnEngines("Carrier cursor pagination", (server) => {
  const ids: string[] = [];
  it("newest first, page[size] default 10, links.next/prev as full URLs that walk every trunk once", async () => {
    const c = server().demoCarrier;
    for (let i = 0; i < 23; i++) ids.push(await c.createTrunk(`Page ${String(i).padStart(2, "0")}`));
    const newestFirst = [...ids].reverse();
    const first = await c.request("GET");
    assertJsonApi(first, 200);
    assert.equal(first.body.data.length, 10);
    assert.equal(first.body.links.prev, null);
    const seen: string[] = [];
    let url: string | null = `${c.url()}?page[size]=7`;
    let pages = 0;
    while (url) {
      const r = await send(url, "GET", { headers: { authorization: `Bearer ${TOKEN}` } });
      assertJsonApi(r, 200);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/carrier\/v1\/sip_trunks/);
      seen.push(...r.body.data.map((t: { id: string }) => t.id));
      url = r.body.links.next;
      if (pages++ === 0) assert.equal(r.body.links.prev, null);
      else assert.notEqual(r.body.links.prev, null);
    }
    assert.deepEqual(seen, newestFirst);
    assert.equal(pages, 4);
  });

  it("page[before] walks back to the newest; page[after] the last trunk → empty page with no next", async () => {
    const c = server().demoCarrier;
    const newestFirst = [...ids].reverse();
    const back = await c.request("GET", `?page[size]=5&page[before]=${newestFirst[12]}`);
    assert.deepEqual(back.body.data.map((t: { id: string }) => t.id), newestFirst.slice(7, 12));
    assert.notEqual(back.body.links.prev, null);
    assert.notEqual(back.body.links.next, null);
    const top = await c.request("GET", `?page[size]=5&page[before]=${newestFirst[3]}`);
    assert.deepEqual(top.body.data.map((t: { id: string }) => t.id), newestFirst.slice(0, 3));
    assert.equal(top.body.links.prev, null);
    const end = await c.request("GET", `?page[after]=${newestFirst[22]}`);
    assert.deepEqual(end.body.data, []);
    assert.equal(end.body.links.next, null);
  });

  it("wrong paging → 400 naming the parameter", async () => {
    const c = server().demoCarrier;
    const size = "must be an integer between 1 and 100";
    for (const [query, parameter, title] of [
      ["page[size]=abc", "page[size]", size],
      ["page[size]=0", "page[size]", size],
      ["page[size]=101", "page[size]", size],
      ["page[size]=-1", "page[size]", size],
      ["page[size]=5&page[size]=6", "page[size]", "must be given once, with a value"],
      ["page[after]=", "page[after]", "must be given once, with a value"],
      ["page[number]=2", "page[number]", "is not a supported parameter (use page[size], page[after] or page[before])"],
      ["page[after]=7f1d0a52-6c11-4b53-9a3e-2b1f1a7d1c00", "page[after]", "is not a trunk id of this account"],
      [`page[after]=${ids[0]}&page[before]=${ids[1]}`, "page[before]", "cannot be combined with page[after]"],
    ] as const) {
      assertErrors(await c.request("GET", `?${query}`), 400, [{ parameter, title }]);
    }
    const r = await c.request("GET", "?page[size]=100");
    assertJsonApi(r, 200);
  });
});

describeOnEngines(
  "Carrier rate limit",
  (server) => {
    it("one budget per account shared with the Exotel API: 429 as a JSON:API error with Retry-After and X-RateLimit-*", async () => {
      const left = 60_000 - (Date.now() % 60_000);
      if (left < 10_000) await sleep(left + 100);
      const c = server().demoCarrier;
      const first = await c.request("GET");
      assertJsonApi(first, 200);
      assert.equal(first.headers.get("x-ratelimit-limit"), "4");
      for (let i = 0; i < 2; i++) assert.equal((await server().demo.request("GET", "/trunks")).status, 200);
      assertJsonApi(await c.request("GET"), 200);
      const refused = await assertUnchanged(server().runtime, () => c.create({ ...VALID, name: "Over" }));
      assertErrors(refused, 429, [{ title: "Too Many Requests" }]);
      assert.ok(Number(refused.headers.get("retry-after")) >= 1);
      assert.equal(refused.headers.get("x-ratelimit-remaining"), "0");
      assert.equal((await server().demo.request("GET", "/trunks")).status, 429, "the Exotel API shares the spent budget");
      const other = await server().clients("carrier_rl_other");
      assertJsonApi(await other.carrier.request("GET"), 200);
    });
  },
  { TRUNKLINE_RATE_LIMIT_PER_MINUTE: "4" },
);
