import assert from "node:assert/strict";
import { before, it } from "node:test";
import { assertError, assertList, assertOk } from "../helpers/exotelAssert.js";
import { populateTrunk, type PopulatedTrunk } from "../helpers/fixtures.js";
import { describeOnEngines } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";

type Case = readonly [method: string, path: string, body: unknown, description: string | RegExp, code?: 1000 | 1001];

/** Wrong types, missing fields, bad paging and bad ids: each a clear 400 that changes nothing. */
describeOnEngines("Exotel bad input", (server) => {
  let t: PopulatedTrunk;
  let base = "";
  before(async () => {
    t = await populateTrunk(server().demo, "bad_input", 1);
    base = `/trunks/${t.sid}`;
  });

  async function rejects(cases: Case[]): Promise<void> {
    for (const [method, path, body, description, code = 1001] of cases) {
      const r = await assertUnchanged(server().runtime, () => server().demo.request(method, path, body));
      assertError(r, method, 400, code, description);
    }
  }

  it("wrong types: mask \"32\", trunk_name 5, a numeric phone number, a non-array batch, ... → 400 naming the field", async () => {
    await rejects([
      ["POST", `${base}/whitelisted-ips`, { ip: "198.51.100.50", mask: "32" }, "mask must be an integer"],
      ["POST", "/trunks", { trunk_name: 5, nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com" }, "trunk_name must be a string", 1000],
      ["POST", `${base}/phone-numbers`, { phone_number: 919876543299 }, "phone_number must be a string"],
      ["POST", `${base}/phone-numbers`, { phone_number: "+919876543299", mode: 1 }, /^mode must be/],
      ["POST", `${base}/whitelisted-ips`, { ip: ["198.51.100.50"], mask: 32 }, "ip must be a string"],
      ["POST", `${base}/destination-uris`, { destinations: "203.0.113.50:5061;transport=tls" }, "destinations must be an array"],
      ["POST", `${base}/destination-uris`, { destinations: [{ destination: "203.0.113.60:5061;transport=tls", priority: "1" }] }, "destinations.0.priority must be an integer"],
      ["POST", `${base}/settings`, { settings: [{ name: "trunk_external_alias", value: 919876543210 }] }, "settings.0.value must be a string"],
      ["PUT", `${base}/destination-uris/${t.destinationId}`, { weight: 2.5 }, "weight must be an integer"],
      ["PUT", `${base}/credentials/${t.credentialId}`, { password: 123456789012 }, "password must be a string"],
      ["POST", "/trunks", [1, 2], "Request body must be a JSON object"],
      ["POST", "/trunks", "trunk", "Request body must be a JSON object"],
    ]);
  });

  it("missing fields → 400 / 1001 naming the field", async () => {
    await rejects([
      ["POST", "/trunks", { trunk_name: "no_nso", domain_name: "exoteltest.pstn.exotel.com" }, "nso_code is mandatory"],
      ["POST", "/trunks", undefined, "Request body must be a JSON object"],
      ["POST", `${base}/phone-numbers`, { mode: "pstn" }, "phone_number is mandatory"],
      ["PUT", `${base}/phone-numbers/${t.numberId}`, { phone_number: t.number }, "mode is mandatory"],
      ["POST", `${base}/whitelisted-ips`, { ip: "198.51.100.50" }, "mask is mandatory"],
      ["PUT", `${base}/whitelisted-ips/${t.ipId}`, { mask: 24 }, "ip is mandatory"],
      ["POST", `${base}/destination-uris`, {}, "destinations is mandatory"],
      ["POST", `${base}/destination-uris`, { destinations: [] }, /^destinations must NOT have fewer than 1 items/],
      ["POST", `${base}/destination-uris`, { destinations: [{ priority: 1 }] }, "destinations.0.destination is mandatory"],
      ["PUT", `${base}/destination-uris/${t.destinationId}`, {}, "At least one of priority, weight is mandatory"],
      ["POST", `${base}/settings`, { settings: [{ name: "trunk_external_alias" }] }, "settings.0.value is mandatory"],
      ["POST", `${base}/credentials`, { user_name: "someone" }, "password is mandatory"],
      ["PUT", `${base}/credentials/${t.credentialId}`, { unknown: 1 }, "At least one of password, friendly_name is mandatory"],
      ["PUT", `/trunks/${t.sid}`, {}, "At least one of trunk_name, nso_code, auth_type is mandatory"],
      ["DELETE", "/trunks", undefined, "trunk_sid is mandatory"],
      ["DELETE", `${base}/phone-numbers`, undefined, "id is mandatory"],
      ["DELETE", `${base}/settings`, undefined, "name is mandatory"],
      ["GET", "/trunk-maps", undefined, "exophone is mandatory"],
    ]);
  });

  it("too many batch items → 400, none stored", async () => {
    const destinations = Array.from({ length: 101 }, (_, i) => ({ destination: `h${i}.example.com:5061;transport=tls` }));
    await rejects([["POST", `${base}/destination-uris`, { destinations }, /^destinations must NOT have more than 100 items/]]);
  });

  it("paging: page_size over 1000, zero, negative or not a number, and bad offsets → 400 naming the parameter", async () => {
    const lists = ["/trunks", `${base}/phone-numbers`, `${base}/whitelisted-ips`, `${base}/destination-uris`, `${base}/settings`];
    const bad = [
      ["page_size=1001", "page_size must be an integer between 1 and 1000"],
      ["page_size=1000000000000", "page_size must be an integer between 1 and 1000"],
      ["page_size=0", "page_size must be an integer between 1 and 1000"],
      ["page_size=-1", "page_size must be an integer between 1 and 1000"],
      ["page_size=ten", "page_size must be an integer between 1 and 1000"],
      ["offset=-5", "offset must be an integer between 0 and 100000000"],
      ["offset=1e3", "offset must be an integer between 0 and 100000000"],
    ];
    await rejects(lists.flatMap((path) => bad.map(([query, message]) => ["GET", `${path}?${query}`, undefined, message as string] as const)));
    for (const path of lists) assert.equal(assertList(await server().demo.request("GET", `${path}?page_size=1000&offset=0`)).length > 0, true);
  });

  it("non-numeric ids in paths and queries → 400 / 1001; unknown digits → 404", async () => {
    const cases: Case[] = [];
    for (const bad of ["abc", "1.5", "-1", "0x10", "1234567890"]) {
      const id = encodeURIComponent(bad);
      cases.push(
        ["PUT", `${base}/phone-numbers/${id}`, { phone_number: t.number, mode: "flow" }, "id must be a numeric id (digits only)"],
        ["PUT", `${base}/whitelisted-ips/${id}`, { ip: "198.51.100.60", mask: 32 }, "id must be a numeric id (digits only)"],
        ["PUT", `${base}/destination-uris/${id}`, { weight: 5 }, "id must be a numeric id (digits only)"],
        ["PUT", `${base}/credentials/${id}`, { friendly_name: "x" }, "id must be a numeric id (digits only)"],
        ["DELETE", `${base}/phone-numbers?id=${id}`, undefined, "id must be a numeric id (digits only)"],
        ["DELETE", `${base}/whitelisted-ips?id=${id}`, undefined, "id must be a numeric id (digits only)"],
        ["DELETE", `${base}/destination-uris?id=${id}`, undefined, "id must be a numeric id (digits only)"],
        ["DELETE", `${base}/credentials?id=${id}`, undefined, "id must be a numeric id (digits only)"],
      );
    }
    await rejects(cases);
    const unknown = await assertUnchanged(server().runtime, () => server().demo.request("DELETE", `${base}/phone-numbers?id=424242`));
    assertError(unknown, "DELETE", 404, 1003, "Phone number '424242' does not exist");
  });

  it("bad values the domain judges → 400 with its words (nso_code, domain_name, auth_type, passwords, settings)", async () => {
    await rejects([
      ["POST", "/trunks", { trunk_name: "bad_nso", nso_code: "AIRTEL", domain_name: "exoteltest.pstn.exotel.com" }, "Nso code is invalid"],
      ["POST", "/trunks", { trunk_name: "bad_domain", nso_code: "ANY-ANY", domain_name: "example.com" }, "Domain name should end with .pstn.exotel.com"],
      ["PUT", `/trunks/${t.sid}`, { auth_type: "DIGEST" }, "auth_type must be one of: IP-WHITELIST"],
      ["POST", `${base}/credentials`, { user_name: "weak_user", password: "short1" }, /^password must be 12 to 64/],
      ["POST", `${base}/credentials`, { user_name: "x", password: "Secret123456" }, /^user_name must be 3 to 64/],
      ["POST", `${base}/credentials`, { user_name: "named_user", password: "Secret123456", friendly_name: "n".repeat(33) }, "friendly_name must be at most 32 characters"],
      ["PUT", `${base}/destination-uris/${t.destinationId}`, { priority: 70000 }, "priority must be an integer between 0 and 65535"],
      ["PUT", `${base}/destination-uris/${t.destinationId}`, { weight: 0 }, "weight must be an integer between 1 and 65535"],
      ["PUT", `${base}/phone-numbers/${t.numberId}`, { phone_number: "+919876500000", mode: "flow" }, /does not match the number of mapping/],
      ["GET", "/trunk-maps?exophone=12345", undefined, /^exophone must be in E.164 format/],
    ]);
  });

  it("unknown body fields are ignored", async () => {
    const data = assertOk(await server().demo.request("POST", `${base}/whitelisted-ips`, { ip: "198.51.100.70", mask: 32, colour: "blue", nested: { a: [1] } }), "POST");
    assert.equal("colour" in data, false);
    assertOk(await server().demo.request("PUT", `/trunks/${t.sid}`, { nso_code: "ANY-ANY", domain_name: "ignored.pstn.exotel.com", extra: true }), "PUT");
  });

  it("Content-Type: application/json with an empty body works on GET and DELETE", async () => {
    const json = { headers: { "content-type": "application/json" } };
    assertOk(await server().demo.raw("GET", `/trunks/${t.sid}`, json), "GET");
    assertList(await server().demo.raw("GET", `${base}/phone-numbers`, json));
    assertOk(await server().demo.raw("GET", `${base}/credentials`, json), "GET");
    const extra = assertOk(await server().demo.request("POST", `${base}/whitelisted-ips`, { ip: "198.51.100.80", mask: 32 }), "POST");
    assertOk(await server().demo.raw("DELETE", `${base}/whitelisted-ips?id=${extra.id}`, { ...json, body: "" }), "DELETE");
  });
});
