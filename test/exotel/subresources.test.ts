import assert from "node:assert/strict";
import { before, it } from "node:test";
import type { ExotelClient } from "../helpers/client.js";
import { assertEnvelope, assertList, assertOk, TIMESTAMP } from "../helpers/exotelAssert.js";
import { describeOnEngines } from "../helpers/server.js";

const NUMBER_KEYS = ["id", "phone_number", "trunk_sid", "date_created", "date_updated", "mode"];
const IP_KEYS = ["id", "mask", "trunk_sid", "ip", "friendly_name", "date_created", "date_updated"];
const DESTINATION_KEYS = ["id", "destination", "trunk_sid", "date_created", "date_updated", "type", "priority", "weight"];
const CREDENTIAL_KEYS = ["id", "username", "password", "friendly_name", "trunk_sid", "date_created", "date_updated"];
const SETTING_KEYS = ["name", "value", "trunk_sid", "date_created", "date_updated"];

/** Each sub-resource of a trunk through every verb, under both spellings of its path. */
describeOnEngines("Exotel trunk sub-resources", (server) => {
  let c: ExotelClient;
  let sid = "";
  let base = "";
  before(async () => {
    c = server().demo;
    sid = await c.createTrunk("subres");
    base = `/trunks/${sid}`;
  });

  it("phone numbers: map, page through, switch mode, delete (field order as the reference)", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const data = assertOk(await c.request("POST", `${base}/phone-numbers`, { phone_number: `+9198765000${i}0`, ...(i === 0 ? { mode: null } : {}) }), "POST");
      assert.deepEqual(Object.keys(data), NUMBER_KEYS);
      assert.match(data.id, /^\d+$/);
      assert.equal(data.mode, null);
      ids.push(data.id);
    }
    const page2 = await c.request("GET", `${base}/phone-numbers?offset=2&page_size=2`);
    assert.deepEqual(assertList(page2).map((n: { id: string }) => n.id), ids.slice(2, 4));
    const uri = (o: number) => `/v2/accounts/exoteltest${base}/phone-numbers?offset=${o}&page_size=2`;
    assert.deepEqual(page2.body.metadata, { page_size: 2, first_page_uri: uri(0), prev_page_uri: uri(0), next_page_uri: uri(4) });
    assert.equal((await c.request("GET", `${base}/phone-numbers?offset=4&page_size=2`)).body.metadata.next_page_uri, null);

    const switched = assertOk(await c.request("PUT", `${base}/phone-numbers/${ids[1]}`, { phone_number: "+919876500010", mode: "flow" }), "PUT");
    assert.equal(switched.mode, "flow");
    const removed = assertOk(await c.request("DELETE", `${base}/phone-numbers?id=${ids[1]}`), "DELETE");
    assert.deepEqual(removed, switched);
    assert.equal(assertList(await c.request("GET", `${base}/phone-numbers`)).length, 4);
  });

  it("whitelisted IPs: add with a friendly name, change, delete", async () => {
    const added = assertOk(await c.request("POST", `${base}/whitelisted-ips`, { ip: "203.0.113.0", mask: 24, friendly_name: "office" }), "POST");
    assert.deepEqual(Object.keys(added), IP_KEYS);
    assert.deepEqual([added.ip, added.mask, added.friendly_name], ["203.0.113.0", 24, "office"]);
    const changed = assertOk(await c.request("PUT", `${base}/whitelisted-ips/${added.id}`, { ip: "203.0.113.7", mask: 32 }), "PUT");
    assert.deepEqual([changed.id, changed.ip, changed.mask, changed.friendly_name, changed.date_created], [added.id, "203.0.113.7", 32, "office", added.date_created]);
    assert.deepEqual(assertOk(await c.request("DELETE", `${base}/whitelisted-ips?id=${added.id}`), "DELETE"), changed);
    assert.deepEqual(assertList(await c.request("GET", `${base}/whitelisted-ips`)), []);
  });

  it("destination URIs: priority and weight can be changed one at a time; delete returns the entry", async () => {
    const [item] = (await c.request("POST", `${base}/destination-uris`, { destinations: [{ destination: "pbx.example.com:5061;transport=tls" }] })).body.response;
    assert.deepEqual(Object.keys(item.data), DESTINATION_KEYS);
    const id = item.data.id;
    const p = assertOk(await c.request("PUT", `${base}/destination-uris/${id}`, { priority: 10 }), "PUT");
    assert.deepEqual([p.priority, p.weight, p.destination], [10, 1, "sip:pbx.example.com:5061;transport=tls"]);
    const w = assertOk(await c.request("PUT", `${base}/destination-uris/${id}`, { weight: 50 }), "PUT");
    assert.deepEqual([w.priority, w.weight, w.type], [10, 50, "public"]);
    assert.deepEqual(assertOk(await c.request("DELETE", `${base}/destination-uris?id=${id}`), "DELETE"), w);
  });

  it("credentials: the pair while there is one, a list once there are two, response [] when none", async () => {
    const pair = assertOk(await c.request("GET", `${base}/credentials`), "GET");
    // The reference's pair, then its id (an extension, so it can be rotated or removed).
    assert.deepEqual(Object.keys(pair), ["username", "password", "id"]);
    assert.equal(pair.username, sid);
    const added = assertOk(await c.request("POST", `${base}/credentials`, { user_name: "pbx.office-1", password: "Passw0rdPassw0rd", friendly_name: "office pbx" }), "POST");
    assert.deepEqual(Object.keys(added), CREDENTIAL_KEYS);
    assert.deepEqual([added.username, added.password, added.friendly_name, added.trunk_sid], ["pbx.office-1", "Passw0rdPassw0rd", "office pbx", sid]);

    const both = assertOk(await c.request("GET", `${base}/credentials`), "GET");
    assert.deepEqual(both.map((x: { username: string }) => x.username), [sid, "pbx.office-1"]);
    for (const x of both) assert.deepEqual(Object.keys(x), CREDENTIAL_KEYS);

    const rotated = assertOk(await c.request("PUT", `${base}/credentials/${added.id}`, { password: "N3wPassw0rdN3w" }), "PUT");
    assert.deepEqual([rotated.password, rotated.friendly_name], ["N3wPassw0rdN3w", "office pbx"]);
    const renamed = assertOk(await c.request("PUT", `${base}/credentials/${added.id}`, { friendly_name: null }), "PUT");
    assert.deepEqual([renamed.password, renamed.friendly_name], ["N3wPassw0rdN3w", null]);

    const own = both[0];
    assert.equal(assertOk(await c.request("DELETE", `${base}/credentials?id=${own.id}`), "DELETE").password, own.password);
    assert.deepEqual(assertOk(await c.request("GET", `${base}/credentials`), "GET"), { username: "pbx.office-1", password: "N3wPassw0rdN3w", id: added.id });
    assertOk(await c.request("DELETE", `${base}/credentials?id=${added.id}`), "DELETE");
    const none = await c.request("GET", `${base}/credentials`);
    assertEnvelope(none, "GET", 200);
    assert.deepEqual(Object.keys(none.body), ["request_id", "method", "http_code", "response"]);
    assert.deepEqual(none.body.response, []);
  });

  it("settings: list and delete by name", async () => {
    await c.request("POST", `${base}/settings`, { settings: [{ name: "trunk_external_alias", value: "+919876543210" }] });
    const [setting] = assertList(await c.request("GET", `${base}/settings`));
    assert.deepEqual(Object.keys(setting), SETTING_KEYS);
    assert.match(setting.date_created, TIMESTAMP);
    assert.deepEqual(assertOk(await c.request("DELETE", `${base}/settings?name=trunk_external_alias`), "DELETE"), setting);
    assert.deepEqual(assertList(await c.request("GET", `${base}/settings`)), []);
  });

  it("underscore spellings are aliases: same handlers, same answers, canonical URIs in metadata", async () => {
    const pairs = [
      ["phone_numbers", "phone-numbers", { phone_number: "+919876500777" }, (d: { id: string }) => ({ phone_number: "+919876500777", mode: "flow", id: d.id })],
      ["whitelisted_ips", "whitelisted-ips", { ip: "192.0.2.77", mask: 32 }, (d: { id: string }) => ({ ip: "192.0.2.78", mask: 32, id: d.id })],
      ["destination_uris", "destination-uris", { destinations: [{ destination: "192.0.2.77:5061;transport=tls" }] }, (d: { id: string }) => ({ priority: 3, id: d.id })],
    ] as const;
    for (const [alias, canonical, create, update] of pairs) {
      const r = await c.request("POST", `${base}/${alias}`, create);
      assert.equal(r.status, 200, r.text);
      const created = Array.isArray(r.body.response) ? r.body.response[0].data : r.body.response.data;
      const listed = await c.request("GET", `${base}/${alias}`);
      assert.deepEqual(assertList(listed), assertList(await c.request("GET", `${base}/${canonical}`)));
      assert.equal(listed.body.metadata.first_page_uri, `/v2/accounts/exoteltest${base}/${canonical}?offset=0&page_size=50`);
      const { id, ...body } = update(created);
      assertOk(await c.request("PUT", `${base}/${alias}/${id}`, body), "PUT");
      assertOk(await c.request("DELETE", `${base}/${alias}?id=${id}`), "DELETE");
      assert.ok(!assertList(await c.request("GET", `${base}/${canonical}`)).some((x: { id: string }) => x.id === id));
    }
  });
});
