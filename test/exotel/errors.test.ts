import assert from "node:assert/strict";
import { before, it } from "node:test";
import { basicAuth, send, sendBare } from "../helpers/client.js";
import { assertError, assertOk } from "../helpers/exotelAssert.js";
import { populateTrunk, type PopulatedTrunk } from "../helpers/fixtures.js";
import { describeOnEngines } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";

const TRUNK_BODY = JSON.stringify({ trunk_name: "err_trunk", nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com" });

/** The error codes of the reference (1030 is in rateLimit.test.ts) and the request-level failures. */
describeOnEngines("Exotel errors", (server) => {
  let t: PopulatedTrunk;
  before(async () => {
    t = await populateTrunk(server().demo, "errors", 1);
  });
  const unchanged = <T>(action: () => Promise<T>) => assertUnchanged(server().runtime, action);

  it("1010: no credentials, a wrong token, an unknown key or another scheme → 401 with WWW-Authenticate", async () => {
    const url = server().demo.url("/trunks");
    const attempts = [undefined, basicAuth("exoteltest", "wrong-token"), basicAuth("nobody", "a1b2c3d4e5f6g7h8i9j0"), "Basic !!!", "Bearer a1b2c3d4e5f6g7h8i9j0"];
    for (const authorization of attempts) {
      const r = await unchanged(() => send(url, "POST", { headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) }, body: TRUNK_BODY }));
      assertError(r, "POST", 401, 1010);
      assert.match(r.headers.get("www-authenticate") ?? "", /^Basic /);
    }
  });

  it("1010 comes before anything about the body: a bad token with malformed JSON is still 401", async () => {
    const r = await send(server().demo.url("/trunks"), "POST", { headers: { authorization: basicAuth("exoteltest", "nope"), "content-type": "application/json" }, body: "{" });
    assertError(r, "POST", 401, 1010);
  });

  it("1011: another account's sid in the path → 403, no data, on reads and writes", async () => {
    const other = await server().account("err_other");
    for (const [method, path, body] of [
      ["GET", "/v2/accounts/err_other/trunks", undefined],
      ["POST", "/v2/accounts/err_other/trunks", JSON.parse(TRUNK_BODY)],
      ["GET", `/v2/accounts/err_other/trunks/${t.sid}/phone-numbers`, undefined],
      ["DELETE", `/v2/accounts/err_other/trunks?trunk_sid=${t.sid}`, undefined],
    ] as const) {
      assertError(await unchanged(() => server().demo.request(method, path, body)), method, 403, 1011);
    }
    assert.equal((await other.request("GET", "/trunks")).status, 200);
  });

  it("1003: an unknown trunk → 404 with the reference's description", async () => {
    const r = await unchanged(() => server().demo.request("GET", "/trunks/trmumdoesnotexist0000000000"));
    assertError(r, "GET", 404, 1003, "Trunk 'trmumdoesnotexist0000000000' does not exist");
  });

  it("1003: unknown sub-resource ids → 404 on PUT and DELETE of every kind", async () => {
    const base = `/trunks/${t.sid}`;
    const cases = [
      ["PUT", `${base}/phone-numbers/999999`, { phone_number: t.number, mode: "flow" }],
      ["DELETE", `${base}/phone-numbers?id=999999`, undefined],
      ["PUT", `${base}/whitelisted-ips/999999`, { ip: "198.51.100.200", mask: 32 }],
      ["DELETE", `${base}/whitelisted-ips?id=999999`, undefined],
      ["PUT", `${base}/destination-uris/999999`, { priority: 1 }],
      ["DELETE", `${base}/destination-uris?id=999999`, undefined],
      ["PUT", `${base}/credentials/999999`, { friendly_name: "x" }],
      ["DELETE", `${base}/credentials?id=999999`, undefined],
      ["DELETE", `${base}/settings?name=no_such_setting`, undefined],
      ["GET", `/trunk-maps?exophone=%2B919999999999`, undefined],
    ] as const;
    for (const [method, path, body] of cases) assertError(await unchanged(() => server().demo.request(method, path, body)), method, 404, 1003);
  });

  it("1003: an unknown endpoint → 404 in the envelope", async () => {
    assertError(await server().demo.request("GET", "/nothing-here"), "GET", 404, 1003, /No such endpoint/);
    assertError(await server().demo.request("PATCH", `/trunks/${t.sid}`, { trunk_name: "x" }), "PATCH", 404, 1003);
  });

  it("1002: a duplicate trunk name, phone number, whitelisted IP or credential user name → 409", async () => {
    const base = `/trunks/${t.sid}`;
    const cases = [
      ["/trunks", { trunk_name: "errors", nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com" }, "Trunk with name 'errors' already exists"],
      [`${base}/phone-numbers`, { phone_number: t.number }, `Phone number '${t.number}' already exists`],
      [`${base}/whitelisted-ips`, { ip: "198.51.100.2", mask: 32 }, "Whitelisted IP '198.51.100.2/32' already exists on this trunk"],
      [`${base}/credentials`, { user_name: "user_errors_01", password: "Another123456" }, "Credential with user_name 'user_errors_01' already exists"],
    ] as const;
    for (const [path, body, description] of cases) assertError(await unchanged(() => server().demo.request("POST", path, body)), "POST", 409, 1002, description);
  });

  it("1007: a body that is not JSON → 400, nothing changed", async () => {
    for (const [method, path] of [["POST", "/trunks"], ["POST", `/trunks/${t.sid}/phone-numbers`], ["PUT", `/trunks/${t.sid}/whitelisted-ips/${t.ipId}`]] as const) {
      for (const body of ["{", "{'trunk_name': 'x'}", "[1,]", "undefined"]) {
        const r = await unchanged(() => server().demo.raw(method, path, { headers: { "content-type": "application/json" }, body }));
        assertError(r, method, 400, 1007, /^Request body is not valid JSON/);
      }
    }
  });

  it("1000 / 415: a write whose body is not application/json, naming the type received", async () => {
    const cases: [string, Record<string, string>][] = [
      ["text/plain", { "content-type": "text/plain" }],
      ["application/x-www-form-urlencoded", { "content-type": "application/x-www-form-urlencoded" }],
      ["application/vnd.api+json", { "content-type": "application/vnd.api+json" }],
      ["(none)", {}],
    ];
    for (const [named, headers] of cases) {
      // fetch would add text/plain to a string body, so the no-type case goes through node:http.
      const c = server().demo;
      const r = await unchanged(() => (named === "(none)" ? sendBare(c.url("/trunks"), "POST", { authorization: c.authorization }, TRUNK_BODY) : c.raw("POST", "/trunks", { headers, body: TRUNK_BODY })));
      assertError(r, "POST", 415, 1000, new RegExp(`Content-Type '${named.replace(/[+()]/g, "\\$&")}' is not supported`));
    }
    const put = await unchanged(() => server().demo.raw("PUT", `/trunks/${t.sid}`, { headers: { "content-type": "text/plain" }, body: '{"trunk_name":"renamed"}' }));
    assertError(put, "PUT", 415, 1000);
  });

  it("1000 / 413: a body over 64 KiB → 413, nothing changed; just under it is fine", async () => {
    const big = JSON.stringify({ trunk_name: "too_big", nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com", pad: "x".repeat(64 * 1024) });
    assertError(await unchanged(() => server().demo.raw("POST", "/trunks", { headers: { "content-type": "application/json" }, body: big })), "POST", 413, 1000, /exceeds 65536 bytes/);
    const fits = JSON.stringify({ trunk_name: "just_fits", nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com", pad: "x".repeat(60 * 1024) });
    assertOk(await server().demo.raw("POST", "/trunks", { headers: { "content-type": "application/json" }, body: fits }), "POST");
  });

  it("1001: NUL characters in the path, query or body → 400, never a server error", async () => {
    const cases = [
      ["GET", `/trunks/tr%00x`, undefined],
      ["GET", `/trunks?trunk_sid=tr%00x`, undefined],
      ["DELETE", `/trunks/${t.sid}/settings?name=a%00b`, undefined],
      ["POST", `/trunks/${t.sid}/whitelisted-ips`, { ip: "198.51.100.99", mask: 32, friendly_name: "a\u0000b" }],
    ] as const;
    for (const [method, path, body] of cases) assertError(await unchanged(() => server().demo.request(method, path, body)), method, 400, 1001, /NUL/);
  });
});
