import assert from "node:assert/strict";
import { it } from "node:test";
import { assertError, assertList, assertOk, TRUNK_SID } from "../helpers/exotelAssert.js";
import { populateTrunk } from "../helpers/fixtures.js";
import { describeOnEngines } from "../helpers/server.js";
import { snapshot } from "../helpers/snapshot.js";

/** Trunks beyond create: list (paged, filtered), get, update, delete with everything on it; trunk-maps. */
describeOnEngines("Exotel trunks and trunk-maps", (server) => {
  it("lists trunks oldest first in pages, with first/prev/next page URIs", async () => {
    const c = await server().account("trunk_pages");
    const sids = [];
    for (const name of ["p1", "p2", "p3", "p4", "p5"]) sids.push(await c.createTrunk(name));
    const seen: string[] = [];
    let next: string | null = "/v2/accounts/trunk_pages/trunks?offset=0&page_size=2";
    const metas = [];
    while (next) {
      const r = await c.request("GET", next);
      seen.push(...assertList(r).map((t: { trunk_sid: string }) => t.trunk_sid));
      metas.push(r.body.metadata);
      next = r.body.metadata.next_page_uri;
    }
    assert.deepEqual(seen, sids);
    assert.deepEqual(metas[1], {
      page_size: 2,
      first_page_uri: "/v2/accounts/trunk_pages/trunks?offset=0&page_size=2",
      prev_page_uri: "/v2/accounts/trunk_pages/trunks?offset=0&page_size=2",
      next_page_uri: "/v2/accounts/trunk_pages/trunks?offset=4&page_size=2",
    });
    assert.equal(metas[2].next_page_uri, null);
    const filtered = await c.request("GET", `/trunks?trunk_sid=${sids[2]}`);
    assert.deepEqual(assertList(filtered).map((t: { trunk_sid: string }) => t.trunk_sid), [sids[2]]);
    assert.equal(filtered.body.metadata.first_page_uri, `/v2/accounts/trunk_pages/trunks?offset=0&page_size=50&trunk_sid=${sids[2]}`);
    assert.deepEqual(assertList(await c.request("GET", "/trunks?offset=10")), []);
  });

  it("gets a trunk with the create response's fields; secure_trunking follows its TLS destinations", async () => {
    const c = server().demo;
    const created = assertOk(await c.request("POST", "/trunks", { trunk_name: "getme", nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com" }), "POST");
    assert.match(created.trunk_sid, TRUNK_SID);
    const got = assertOk(await c.request("GET", `/trunks/${created.trunk_sid}`), "GET");
    // GET adds the live extension field after the reference's fields.
    assert.deepEqual(got, { ...created, active_calls: 0 });
    const [tls] = (await c.request("POST", `/trunks/${created.trunk_sid}/destination-uris`, { destinations: [{ destination: "203.0.113.9:5061;transport=tls" }] })).body.response;
    assert.equal(assertOk(await c.request("GET", `/trunks/${created.trunk_sid}`), "GET").secure_trunking, "enabled");
    assertOk(await c.request("DELETE", `/trunks/${created.trunk_sid}/destination-uris?id=${tls.data.id}`), "DELETE");
    assert.equal(assertOk(await c.request("GET", `/trunks/${created.trunk_sid}`), "GET").secure_trunking, "disabled");
  });

  it("updates a trunk's name, keeping names unique in the account", async () => {
    const c = server().demo;
    const sid = await c.createTrunk("before_rename");
    await c.createTrunk("taken_name");
    const renamed = assertOk(await c.request("PUT", `/trunks/${sid}`, { trunk_name: "after_rename", nso_code: "ANY-ANY", auth_type: "IP-WHITELIST" }), "PUT");
    assert.equal(renamed.trunk_name, "after_rename");
    assert.ok(renamed.date_updated >= renamed.date_created);
    assertError(await c.request("PUT", `/trunks/${sid}`, { trunk_name: "taken_name" }), "PUT", 409, 1002, "Trunk with name 'taken_name' already exists");
    assertError(await c.request("PUT", `/trunks/${sid}`, { trunk_name: "bad-name" }), "PUT", 400, 1000);
  });

  it("deletes a trunk with its numbers, IPs, destinations, credentials and settings; its number is free again", async () => {
    const c = await server().account("trunk_delete");
    const t = await populateTrunk(c, "doomed", 50);
    const keep = await populateTrunk(c, "kept", 51);
    const before = await snapshot(server().runtime);
    assert.equal(assertOk(await c.request("DELETE", `/trunks?trunk_sid=${t.sid}`), "DELETE"), null);
    const after = await snapshot(server().runtime);
    for (const table of ["phone_numbers", "whitelisted_ips", "destinations", "trunk_settings"]) assert.equal(after[table]!.length, before[table]!.length - 1, table);
    assert.equal(after.credentials!.length, before.credentials!.length - 2);
    assert.equal(after.trunks!.length, before.trunks!.length - 1);
    for (const path of [`/trunks/${t.sid}`, `/trunks/${t.sid}/phone-numbers`, `/trunks/${t.sid}/credentials`, `/trunks/${t.sid}/settings`]) {
      assertError(await c.request("GET", path), "GET", 404, 1003);
    }
    assertError(await c.request("DELETE", `/trunks?trunk_sid=${t.sid}`), "DELETE", 404, 1003);
    assertOk(await c.request("POST", `/trunks/${keep.sid}/phone-numbers`, { phone_number: t.number }), "POST");
  });

  it("trunk-maps: finds the trunk of a number (+ sent as %2B or literally), 404 when it is not mapped", async () => {
    const c = await server().account("maps");
    const t = await populateTrunk(c, "mapped", 60);
    const expected = { exophone: t.number, trunk_sid: t.sid, phone_number_id: t.numberId, mode: "pstn" };
    assert.deepEqual(assertOk(await c.request("GET", `/trunk-maps?exophone=${encodeURIComponent(t.number)}`), "GET"), expected);
    assert.deepEqual(assertOk(await c.request("GET", `/trunk-maps?exophone=${t.number}`), "GET"), expected);
    assertError(await c.request("GET", "/trunk-maps?exophone=%2B919876500123"), "GET", 404, 1003, "Phone number '+919876500123' is not mapped to a trunk");
  });
});
