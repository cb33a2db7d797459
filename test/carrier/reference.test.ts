import assert from "node:assert/strict";
import { it } from "node:test";
import { REFERENCE_CREATE_ATTRIBUTES } from "../helpers/carrierClient.js";
import { describeOnEngines } from "../helpers/server.js";
import { assertErrors, assertJsonApi, assertSipTrunk } from "./assert.js";

/** Every example of carrier-sip-trunks-jsonapi.md, sent as written. */
describeOnEngines("Carrier reference examples", (server) => {
  let id = "";

  it("Create a SIP Trunk: the reference's body → 201, Location, every attribute as sent", async () => {
    const c = server().demoCarrier;
    const r = await c.request("POST", "", { data: { type: "sip_trunk", attributes: REFERENCE_CREATE_ATTRIBUTES } });
    assertJsonApi(r, 201);
    assert.deepEqual(Object.keys(r.body), ["data"]);
    assertSipTrunk(r.body.data, REFERENCE_CREATE_ATTRIBUTES);
    id = r.body.data.id;
    assert.equal(r.headers.get("location"), r.body.data.links.self);
    assert.equal(r.body.data.attributes.username, undefined, "no credentials in ip_address mode");
  });

  it("List SIP Trunks: the reference's shape, the trunk in it, links.prev/next null on a single page", async () => {
    const r = await server().demoCarrier.request("GET");
    assertJsonApi(r, 200);
    assert.deepEqual(Object.keys(r.body), ["data", "links"]);
    assert.equal(r.body.data.length, 1);
    assertSipTrunk(r.body.data[0], { ...REFERENCE_CREATE_ATTRIBUTES, outbound_dial_string_prefix: "+1" });
    assert.deepEqual(r.body.links, { prev: null, next: null });
  });

  it("Get a SIP Trunk: 200 with the trunk", async () => {
    const r = await server().demoCarrier.request("GET", `/${id}`);
    assertJsonApi(r, 200);
    assert.equal(r.body.data.id, id);
    assertSipTrunk(r.body.data, REFERENCE_CREATE_ATTRIBUTES);
  });

  it("Update a SIP Trunk: the reference's body renames it and changes nothing else", async () => {
    const r = await server().demoCarrier.request("PATCH", `/${id}`, { data: { type: "sip_trunk", id, attributes: { name: "Updated Trunk Name" } } });
    assertJsonApi(r, 200);
    assertSipTrunk(r.body.data, { ...REFERENCE_CREATE_ATTRIBUTES, name: "Updated Trunk Name" });
    const again = await server().demoCarrier.request("GET", `/${id}`);
    assert.equal(again.body.data.attributes.name, "Updated Trunk Name");
  });

  it("Conditional fields: username and password only in client_credentials mode", async () => {
    const c = server().demoCarrier;
    const created = await c.create({ ...REFERENCE_CREATE_ATTRIBUTES, name: "Creds Trunk", authentication_mode: "client_credentials" });
    assertJsonApi(created, 201);
    assertSipTrunk(created.body.data, { authentication_mode: "client_credentials" });
    const { username, password } = created.body.data.attributes;
    const read = await c.request("GET", `/${created.body.data.id}`);
    assert.equal(read.body.data.attributes.username, username);
    assert.equal(read.body.data.attributes.password, password);
    const other = await c.create({ ...REFERENCE_CREATE_ATTRIBUTES, name: "Creds Trunk 2", authentication_mode: "client_credentials" });
    assert.notEqual(other.body.data.attributes.username, username, "usernames are unique");
    const switched = await c.update(created.body.data.id, { authentication_mode: "ip_address" });
    assertSipTrunk(switched.body.data, { authentication_mode: "ip_address" });
    assert.equal("username" in switched.body.data.attributes, false);
    const back = await c.update(created.body.data.id, { authentication_mode: "client_credentials" });
    assert.notEqual(back.body.data.attributes.password, password, "switching back issues a new credential");
    for (const t of [created, other]) await c.request("DELETE", `/${t.body.data.id}`);
  });

  it("Error responses: an invalid IP, region and country, and missing required attributes", async () => {
    const c = server().demoCarrier;
    assertErrors(await c.create({ ...REFERENCE_CREATE_ATTRIBUTES, name: "E1", inbound_source_ips: ["300.1.1.1"] }), 422, [
      { pointer: "/data/attributes/inbound_source_ips", title: "contains invalid IP address: 300.1.1.1" },
    ]);
    assertErrors(await c.create({ ...REFERENCE_CREATE_ATTRIBUTES, name: "E2", region: "moon-1" }), 422, [
      { pointer: "/data/attributes/region", title: "is invalid", detail: "region is invalid" },
    ]);
    assertErrors(await c.create({ ...REFERENCE_CREATE_ATTRIBUTES, name: "E3", inbound_country: "XX" }), 422, [
      { pointer: "/data/attributes/inbound_country", title: "is invalid" },
    ]);
    assertErrors(await c.create({ max_channels: 3 }), 422, [
      { pointer: "/data/attributes/name", title: "is missing" },
      { pointer: "/data/attributes/authentication_mode", title: "is missing" },
      { pointer: "/data/attributes/region", title: "is missing" },
    ]);
    const list = await c.request("GET");
    assert.deepEqual(list.body.data.map((t: { id: string }) => t.id), [id], "nothing was created");
  });

  it("Delete a SIP Trunk: 200 with the deleted resource; then 404", async () => {
    const c = server().demoCarrier;
    const r = await c.request("DELETE", `/${id}`);
    assertJsonApi(r, 200);
    assertSipTrunk(r.body.data, { name: "Updated Trunk Name" });
    assert.equal(r.body.data.id, id);
    assertErrors(await c.request("GET", `/${id}`), 404, [{ title: "Not Found" }]);
    assertErrors(await c.request("DELETE", `/${id}`), 404, [{ title: "Not Found" }]);
  });
});
