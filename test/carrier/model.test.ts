import assert from "node:assert/strict";
import { it } from "node:test";
import { Jsona } from "jsona";
import { sipHa1 } from "../../src/crypto/digest.js";
import { assertError, assertOk } from "../helpers/exotelAssert.js";
import { REFERENCE_CREATE_ATTRIBUTES } from "../helpers/carrierClient.js";
import { describeOnEngines } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";
import { assertErrors, assertJsonApi, assertSipTrunk } from "./assert.js";

/** Exotel sid of a trunk the carrier API created: found through the Exotel list, by name. */
async function exotelSidOf(list: { body: { response: { data: { trunk_name: string; trunk_sid: string }[] } } }, name: string): Promise<string> {
  const t = list.body.response.data.find((x) => x.trunk_name === name);
  assert.ok(t, `trunk ${name} in the Exotel list`);
  return t.trunk_sid;
}

describeOnEngines("Carrier and Exotel: one model", (server) => {
  it("created through the carrier API → read and changed through the Exotel API, and seen changed back", async () => {
    const { demo, demoCarrier: c } = server();
    const created = await c.create({ ...REFERENCE_CREATE_ATTRIBUTES, name: "x_dialect_1", inbound_source_ips: ["203.0.113.1", "203.0.113.9"], outbound_host: "pbx.example.com:5080" });
    assertJsonApi(created, 201);
    const id = created.body.data.id;
    const sid = await exotelSidOf(await demo.request("GET", "/trunks"), "x_dialect_1");
    assert.match(sid, /^truse[a-z0-9]{23}$/, "the sid carries the region's code (us-east-1 → use)");

    const trunk = await demo.request("GET", `/trunks/${sid}`);
    assertOk(trunk, "GET");
    assert.equal(trunk.body.response.data.trunk_name, "x_dialect_1");
    const ips = await demo.request("GET", `/trunks/${sid}/whitelisted-ips`);
    assert.deepEqual(ips.body.response.data.map((w: { ip: string; mask: number }) => `${w.ip}/${w.mask}`).sort(), ["203.0.113.1/32", "203.0.113.9/32"]);
    const dests = await demo.request("GET", `/trunks/${sid}/destination-uris`);
    assert.deepEqual(dests.body.response.data.map((d: { destination: string }) => d.destination), ["sip:pbx.example.com:5080;transport=udp"]);
    const settings = await demo.request("GET", `/trunks/${sid}/settings`);
    assert.deepEqual(settings.body.response.data.map((s: { name: string; value: string }) => [s.name, s.value]), [["trunk_external_alias", "1234567890"]]);
    assert.deepEqual((await demo.request("GET", `/trunks/${sid}/credentials`)).body.response, [], "ip_address mode: no credential");

    // Change through Exotel: rename, a /24 ACL entry, a higher-priority TLS destination, a new alias.
    assertOk(await demo.request("PUT", `/trunks/${sid}`, { trunk_name: "x_renamed" }), "PUT");
    assertOk(await demo.request("POST", `/trunks/${sid}/whitelisted-ips`, { ip: "198.51.100.0", mask: 24 }), "POST");
    const dest = await demo.request("POST", `/trunks/${sid}/destination-uris`, { destinations: [{ destination: "sbc.example.net:5061;transport=tls" }] });
    assert.equal(dest.body.http_code, 200);
    const existing = dests.body.response.data[0].id;
    assertOk(await demo.request("PUT", `/trunks/${sid}/destination-uris/${existing}`, { priority: 10 }), "PUT");
    assert.equal((await demo.request("POST", `/trunks/${sid}/settings`, { settings: [{ name: "trunk_external_alias", value: "+14155550100" }] })).body.http_code, 200);

    const seen = await c.request("GET", `/${id}`);
    assertSipTrunk(seen.body.data, {
      name: "x_renamed",
      inbound_source_ips: ["203.0.113.1", "203.0.113.9", "198.51.100.0/24"],
      outbound_host: "sbc.example.net:5061",
      default_sender: "+14155550100",
      region: "us-east-1",
      max_channels: 30,
    });

    // The set read back (with its CIDR entry) can be written back as it is.
    const roundTrip = await c.update(id, { inbound_source_ips: seen.body.data.attributes.inbound_source_ips });
    assertJsonApi(roundTrip, 200);
    assert.deepEqual(roundTrip.body.data.attributes.inbound_source_ips, ["203.0.113.1", "203.0.113.9", "198.51.100.0/24"]);

    // Delete through Exotel → gone for the carrier API.
    assertOk(await demo.request("DELETE", `/trunks?trunk_sid=${sid}`), "DELETE");
    assertErrors(await c.request("GET", `/${id}`), 404, [{ title: "Not Found" }]);
  });

  it("created through the Exotel API → read and changed through the carrier API; deleted there, gone in Exotel", async () => {
    const { demo, demoCarrier: c } = server();
    const sid = await demo.createTrunk("x_dialect_2");
    assertOk(await demo.request("POST", `/trunks/${sid}/whitelisted-ips`, { ip: "192.0.2.10", mask: 32 }), "POST");
    const exotelCredential = (await demo.request("GET", `/trunks/${sid}/credentials`)).body.response.data;
    assert.equal(exotelCredential.username, sid);

    const list = await c.request("GET");
    const resource = list.body.data.find((t: { attributes: { name: string } }) => t.attributes.name === "x_dialect_2");
    assertSipTrunk(resource, {
      authentication_mode: "ip_address",
      region: "ap-south-1",
      inbound_source_ips: ["192.0.2.10"],
      outbound_host: null,
      default_sender: null,
      max_channels: null,
    });

    const patched = await c.update(resource.id, { name: "x_carrier_named", inbound_source_ips: ["192.0.2.11"], default_sender: "+919876543210", outbound_host: "10.0.0.5", max_channels: 4 });
    assertJsonApi(patched, 200);
    const trunk = await demo.request("GET", `/trunks/${sid}`);
    assert.equal(trunk.body.response.data.trunk_name, "x_carrier_named");
    const ips = await demo.request("GET", `/trunks/${sid}/whitelisted-ips`);
    assert.deepEqual(ips.body.response.data.map((w: { ip: string; mask: number }) => [w.ip, w.mask]), [["192.0.2.11", 32]]);
    const alias = await demo.request("GET", `/trunks/${sid}/settings`);
    assert.equal(alias.body.response.data[0].value, "+919876543210");
    const dests = await demo.request("GET", `/trunks/${sid}/destination-uris`);
    assert.deepEqual(dests.body.response.data.map((d: { destination: string }) => d.destination), ["sip:10.0.0.5:5060;transport=udp"]);
    assert.equal((await demo.request("GET", `/trunks/${sid}/credentials`)).body.response.data.username, sid, "the Exotel credential stays in ip_address mode");

    const deleted = await c.request("DELETE", `/${resource.id}`);
    assertJsonApi(deleted, 200);
    assertError(await demo.request("GET", `/trunks/${sid}`), "GET", 404, 1003);
  });

  it("names are unique per account across both dialects (409 in Exotel, 422 at /data/attributes/name in carrier)", async () => {
    const { demo, demoCarrier: c } = server();
    await demo.createTrunk("shared_name");
    assertErrors(await c.create({ name: "shared_name", authentication_mode: "ip_address", region: "us-east-1" }), 422, [{ pointer: "/data/attributes/name", title: "has already been taken" }]);
    await c.createTrunk("carrier_named");
    const r = await demo.request("POST", "/trunks", { trunk_name: "carrier_named", nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com" });
    assertError(r, "POST", 409, 1002);
  });

  it("a published JSON:API client (jsona) reads our single and collection documents", async () => {
    const c = server().demoCarrier;
    const created = await c.create({ ...REFERENCE_CREATE_ATTRIBUTES, name: "jsona", authentication_mode: "client_credentials" });
    const jsona = new Jsona();
    const one = jsona.deserialize(created.body) as Record<string, unknown>;
    assert.equal(one.type, "sip_trunk");
    assert.equal(one.id, created.body.data.id);
    assert.equal(one.name, "jsona");
    assert.equal(one.max_channels, 30);
    assert.deepEqual(one.inbound_source_ips, ["203.0.113.1"]);
    assert.match(String(one.password), /^[A-Za-z0-9]{24}$/);
    const many = jsona.deserialize((await c.request("GET", "?page[size]=100")).body) as Record<string, unknown>[];
    assert.ok(Array.isArray(many));
    assert.ok(many.some((t) => t.id === one.id && t.name === "jsona"));
    // And what jsona writes back is a document we accept.
    const doc = jsona.serialize({ stuff: { type: "sip_trunk", id: one.id, max_channels: 12 } as never });
    const r = await c.request("PATCH", `/${String(one.id)}`, doc);
    assertJsonApi(r, 200);
    assert.equal(r.body.data.attributes.max_channels, 12);
  });

  it("client_credentials: the password is sealed at rest with its HA1 beside it; switching to ip_address deletes the row", async () => {
    const { demoCarrier: c, runtime } = server();
    const created = await c.create({ ...REFERENCE_CREATE_ATTRIBUTES, name: "sealed", authentication_mode: "client_credentials" });
    assertJsonApi(created, 201);
    const { username, password } = created.body.data.attributes;
    const rowsOf = () =>
      runtime.store.db
        .selectFrom("credentials")
        .innerJoin("trunks", "trunks.id", "credentials.trunk_id")
        .select(["credentials.username", "credentials.password_enc", "credentials.ha1", "credentials.realm"])
        .where("trunks.uuid", "=", created.body.data.id)
        .execute();
    const [row, ...more] = await rowsOf();
    assert.ok(row);
    assert.equal(more.length, 0);
    assert.equal(row.username, username);
    assert.match(row.password_enc, /^v1:/);
    assert.equal(row.password_enc.includes(password), false, "no plain text password in the store");
    assert.equal(row.ha1, sipHa1(username, row.realm, password));
    assertJsonApi(await c.update(created.body.data.id, { authentication_mode: "ip_address" }), 200);
    assert.deepEqual(await rowsOf(), []);
    await c.request("DELETE", `/${created.body.data.id}`);
  });
});

describeOnEngines("Carrier tenant isolation", (server) => {
  it("another account's trunk is 404 on get, patch and delete, exactly as an id never issued, and changes nothing", async () => {
    const a = await server().clients("carrier_iso_a");
    const b = await server().clients("carrier_iso_b");
    const mine = await a.carrier.createTrunk("A trunk", { inbound_source_ips: ["203.0.113.44"] });
    const never = "7f1d0a52-6c11-4b53-9a3e-2b1f1a7d1c00";
    for (const id of [mine, never]) {
      const r = await assertUnchanged(server().runtime, async () => [
        await b.carrier.request("GET", `/${id}`),
        await b.carrier.update(id, { name: "stolen" }),
        await b.carrier.request("DELETE", `/${id}`),
      ]);
      for (const reply of r) assertErrors(reply, 404, [{ title: "Not Found" }]);
      const missing = '{"errors":[{"status":"404","code":"not_found","title":"Not Found","detail":"The SIP trunk does not exist"}]}';
      for (const reply of r) assert.equal(reply.text, missing, "byte for byte the answer for a trunk that does not exist");
    }
    const list = await b.carrier.request("GET", "?page[size]=100");
    assert.deepEqual(list.body.data, []);
    assertErrors(await b.carrier.request("GET", `?page[after]=${mine}`), 400, [{ parameter: "page[after]", title: "is not a trunk id of this account" }]);
    const still = await a.carrier.request("GET", `/${mine}`);
    assertSipTrunk(still.body.data, { name: "A trunk", inbound_source_ips: ["203.0.113.44"] });
  });
});
