import assert from "node:assert/strict";
import { before, it } from "node:test";
import { describeOnEngines } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";
import { assertErrors, assertJsonApi } from "./assert.js";

const VALID = { name: "Valid", authentication_mode: "ip_address", region: "ap-south-1" };
const at = (attribute: string) => `/data/attributes/${attribute}`;

interface Case {
  attribute: string;
  value: unknown;
  title: string;
}

/** One rule each: the value that breaks it and the title the error must carry. */
const CASES: Case[] = [
  { attribute: "name", value: "", title: "must be filled" },
  { attribute: "name", value: "   ", title: "must be filled" },
  { attribute: "name", value: 7, title: "must be a string" },
  { attribute: "authentication_mode", value: "password", title: "is invalid" },
  { attribute: "authentication_mode", value: null, title: "must be a string" },
  { attribute: "region", value: "eu-west-9", title: "is invalid" },
  { attribute: "max_channels", value: 0, title: "must be greater than 0" },
  { attribute: "max_channels", value: -5, title: "must be greater than 0" },
  { attribute: "max_channels", value: 2_147_483_648, title: "must be at most 2147483647" },
  { attribute: "max_channels", value: 2.5, title: "must be an integer" },
  { attribute: "max_channels", value: "30", title: "must be an integer" },
  { attribute: "inbound_country", value: "us", title: "is invalid" },
  { attribute: "inbound_country", value: "USA", title: "is invalid" },
  { attribute: "inbound_country", value: "ZZ", title: "is invalid" },
  { attribute: "inbound_source_ips", value: ["203.0.113.1", "300.1.1.1"], title: "contains invalid IP address: 300.1.1.1" },
  { attribute: "inbound_source_ips", value: ["1.2.3"], title: "contains invalid IP address: 1.2.3" },
  { attribute: "inbound_source_ips", value: ["2001:db8::1"], title: "contains invalid IP address: 2001:db8::1" },
  { attribute: "inbound_source_ips", value: ["10.0.0.0/33"], title: "contains invalid IP address: 10.0.0.0/33" },
  { attribute: "inbound_source_ips", value: "203.0.113.1", title: "must be an array" },
  { attribute: "inbound_source_ips", value: [5], title: "must contain only strings" },
  { attribute: "default_sender", value: "", title: "must be 1 to 64 characters" },
  { attribute: "outbound_host", value: "not a host", title: "is invalid" },
  { attribute: "outbound_host", value: "pbx.example.com:70000", title: "port is invalid" },
  { attribute: "outbound_dial_string_prefix", value: "", title: "must be 1 to 32 characters" },
  { attribute: "outbound_national_dialing", value: "yes", title: "must be a boolean" },
  { attribute: "outbound_plus_prefix", value: 1, title: "must be a boolean" },
  { attribute: "outbound_route_prefixes", value: ["1855", "18x"], title: "contains an invalid prefix: 18x" },
  { attribute: "outbound_route_prefixes", value: ["1855", ""], title: "contains an empty prefix" },
  { attribute: "outbound_route_prefixes", value: "1855", title: "must be an array" },
];

describeOnEngines("Carrier validation", (server) => {
  let id = "";
  before(async () => {
    id = await server().demoCarrier.createTrunk("Existing", { inbound_source_ips: ["198.51.100.7"] });
  });

  for (const c of CASES) {
    it(`create: ${c.attribute} ${JSON.stringify(c.value)} → 422 "${c.title}", nothing stored`, async () => {
      const r = await assertUnchanged(server().runtime, () => server().demoCarrier.create({ ...VALID, [c.attribute]: c.value }));
      assertErrors(r, 422, [{ pointer: at(c.attribute), title: c.title, detail: `${c.attribute} ${c.title}` }]);
    });
    it(`update: ${c.attribute} ${JSON.stringify(c.value)} → 422 "${c.title}", nothing changed`, async () => {
      const r = await assertUnchanged(server().runtime, () => server().demoCarrier.update(id, { [c.attribute]: c.value }));
      assertErrors(r, 422, [{ pointer: at(c.attribute), title: c.title }]);
    });
  }

  it("several failing attributes are reported together, one error each, nothing stored", async () => {
    const r = await assertUnchanged(server().runtime, () =>
      server().demoCarrier.create({ name: "", authentication_mode: "psk", region: "mars", max_channels: 0, inbound_country: "usa", inbound_source_ips: ["300.1.1.1"], outbound_plus_prefix: "no" }),
    );
    assertErrors(r, 422, [
      { pointer: at("name"), title: "must be filled" },
      { pointer: at("authentication_mode"), title: "is invalid" },
      { pointer: at("region"), title: "is invalid" },
      { pointer: at("max_channels"), title: "must be greater than 0" },
      { pointer: at("inbound_country"), title: "is invalid" },
      { pointer: at("inbound_source_ips"), title: "contains invalid IP address: 300.1.1.1" },
      { pointer: at("outbound_plus_prefix"), title: "must be a boolean" },
    ]);
  });

  it("a create without attributes reports each required attribute missing (as attributes: {} does)", async () => {
    const missing = [
      { pointer: at("name"), title: "is missing" },
      { pointer: at("authentication_mode"), title: "is missing" },
      { pointer: at("region"), title: "is missing" },
    ];
    const c = server().demoCarrier;
    assertErrors(await assertUnchanged(server().runtime, () => c.request("POST", "", { data: { type: "sip_trunk" } })), 422, missing);
    assertErrors(await c.create({}), 422, missing);
    // With a wrong type too: every problem at once.
    assertErrors(await c.request("POST", "", { data: { type: "trunk" } }), 422, [{ pointer: "/data/type", title: "must be sip_trunk" }, ...missing]);
  });

  it("every configured region alias is accepted (us-east-1, ap-south-1, ap-southeast-1)", async () => {
    for (const region of ["us-east-1", "ap-south-1", "ap-southeast-1"]) {
      const r = await server().demoCarrier.create({ ...VALID, name: `R ${region}`, region });
      assertJsonApi(r, 201);
      assert.equal(r.body.data.attributes.region, region);
    }
  });

  it("a duplicate name in the account → 422 pointing at name; the same name in another account is fine", async () => {
    const r = await assertUnchanged(server().runtime, () => server().demoCarrier.create({ ...VALID, name: "Existing" }));
    assertErrors(r, 422, [{ pointer: at("name"), title: "has already been taken", detail: "name has already been taken" }]);
    const other = await server().clients("carrier_dup_other");
    assertJsonApi(await other.carrier.create({ ...VALID, name: "Existing" }), 201);
    const second = await server().demoCarrier.createTrunk("Second");
    assertErrors(await server().demoCarrier.update(second, { name: "Existing" }), 422, [{ pointer: at("name"), title: "has already been taken" }]);
  });

  it("inbound_source_ips: given replaces the set, [] empties it, omitted keeps it; CIDR is accepted", async () => {
    const c = server().demoCarrier;
    const t = await c.createTrunk("Acl", { inbound_source_ips: ["203.0.113.1", "203.0.113.2"] });
    const replaced = await c.update(t, { inbound_source_ips: ["203.0.113.2", "192.0.2.0/24", "192.0.2.0/24"] });
    assert.deepEqual(replaced.body.data.attributes.inbound_source_ips, ["203.0.113.2", "192.0.2.0/24"]);
    const kept = await c.update(t, { max_channels: 5 });
    assert.deepEqual(kept.body.data.attributes.inbound_source_ips, ["203.0.113.2", "192.0.2.0/24"]);
    const emptied = await c.update(t, { inbound_source_ips: [] });
    assert.deepEqual(emptied.body.data.attributes.inbound_source_ips, []);
  });

  it("null clears default_sender, outbound_host, outbound_dial_string_prefix, max_channels and inbound_country", async () => {
    const c = server().demoCarrier;
    const t = await c.createTrunk("Clear", { default_sender: "+14155550100", outbound_host: "pbx.example.com:5080", outbound_dial_string_prefix: "9", max_channels: 3, inbound_country: "KH" });
    const before = await c.request("GET", `/${t}`);
    assert.equal(before.body.data.attributes.outbound_host, "pbx.example.com:5080");
    const r = await c.update(t, { default_sender: null, outbound_host: null, outbound_dial_string_prefix: null, max_channels: null, inbound_country: null });
    assertJsonApi(r, 200);
    for (const k of ["default_sender", "outbound_host", "outbound_dial_string_prefix", "max_channels", "inbound_country"]) assert.equal(r.body.data.attributes[k], null, k);
  });

  it("unknown attributes are ignored", async () => {
    const r = await server().demoCarrier.create({ ...VALID, name: "Unknown attrs", colour: "blue", id: "x" });
    assertJsonApi(r, 201);
    assert.equal("colour" in r.body.data.attributes, false);
  });
});
