import assert from "node:assert/strict";
import { it } from "node:test";
import type { ApiReply } from "../helpers/client.js";
import { parseCurl, sendCurl } from "../helpers/curl.js";
import { assertOk, TRUNK_SID } from "../helpers/exotelAssert.js";
import { describeOnEngines } from "../helpers/server.js";
import { snapshot } from "../helpers/snapshot.js";
import { assertLikeReference, reference, withData } from "./reference/match.js";
import * as REQ from "./reference/requests.js";

/** The trunk sid the reference's endpoint sections use, and the sample mapping id of section 3. */
const SAMPLE_SID = "trmum1a2b3c4d5e6f7890123456";
const SAMPLE_NUMBER_ID = "pn_9876543210_001";
/** The sid the reference's create response shows (a different sample). */
const CREATED_SID = "trmum1f708622631150902801a1n";
const LIST_EXTRAS = { extraKeys: ["metadata"] };
/** Extension: the only credential's id, after the reference's username and password. */
const CREDENTIAL_EXTRAS = ["id"];
// `health`: read-only extension on GET (destination health, docs/exotel.md).
const DESTINATION_EXTRAS = ["metadata", "type", "priority", "weight", "health"];

/**
 * Every request of the reference, sent as written (method, path, headers, body, Basic auth from
 * the URL's user:pass@) to a server in demo mode; the real trunk sid and mapping id stand in for
 * the samples. Each response is compared with the reference's, key order included.
 */
describeOnEngines("Exotel reference replay", (server) => {
  let sid = "";
  let numberId = "";
  const subs = () => ({ [SAMPLE_SID]: sid, [CREATED_SID]: sid, [SAMPLE_NUMBER_ID]: numberId });

  async function replay(curl: string, replace: Record<string, string> = subs()): Promise<ApiReply[]> {
    const out: ApiReply[] = [];
    for (const req of parseCurl(curl)) out.push(await sendCurl(req, server().baseUrl, replace));
    return out;
  }
  const replayOne = async (curl: string, replace?: Record<string, string>) => (await replay(curl, replace))[0] as ApiReply;

  it("1. Create Trunk: 200 as shown; the same name again is the 409 shown; a bad name the 400 shown", async () => {
    const created = await replayOne(REQ.CREATE_TRUNK, {});
    sid = assertOk(created, "POST").trunk_sid;
    assert.match(sid, TRUNK_SID);
    assertLikeReference(created.body, reference("CREATE_TRUNK_OK"), { subs: subs() });
    assertLikeReference((await replayOne(REQ.CREATE_TRUNK)).body, reference("CREATE_TRUNK_CONFLICT"));
    const badName = await replayOne(REQ.CREATE_TRUNK, { outbound_trunk: "my-trunk!" });
    assertLikeReference(badName.body, reference("CREATE_TRUNK_INVALID"));
  });

  it("2. Map Phone Number: PSTN 200 (mode as given); Flow while mapped is 409; Flow after unmapping 200; the 404 and 400 shown", async () => {
    const pstn = await replayOne(REQ.MAP_NUMBER_PSTN);
    // The reference prints mode null here; the extended spec: a mode that was given is returned as given.
    assertLikeReference(pstn.body, withData("MAP_NUMBER_OK", { mode: "pstn" }), { subs: subs() });
    const again = await replayOne(REQ.MAP_NUMBER_FLOW);
    assert.equal(again.status, 409);
    assert.deepEqual(again.body.response.error_data, { code: 1002, message: "Resource exists", description: "Phone number '+919876543210' already exists" });
    assert.equal((await server().demo.request("DELETE", `/trunks/${sid}/phone-numbers?id=${pstn.body.response.data.id}`)).status, 200);
    const flow = await replayOne(REQ.MAP_NUMBER_FLOW);
    assertLikeReference(flow.body, withData("MAP_NUMBER_OK", { mode: "flow" }), { subs: subs() });
    numberId = flow.body.response.data.id;
    // As written, with the sample sid no trunk of this account has: the reference's 404, word for word.
    assertLikeReference((await replayOne(REQ.MAP_NUMBER_PSTN, {})).body, reference("MAP_NUMBER_NOT_FOUND"));
    const badNumber = await replayOne(REQ.MAP_NUMBER_PSTN, { ...subs(), "+919876543210": "9876543210" });
    assertLikeReference(badNumber.body, reference("MAP_NUMBER_INVALID"));
  });

  it("3. Update Phone Number Mode: to flow, then to pstn, on the mapping's real id", async () => {
    const flow = await replayOne(REQ.UPDATE_MODE_FLOW);
    assertLikeReference(flow.body, reference("UPDATE_MODE_OK"), { subs: subs() });
    const pstn = await replayOne(REQ.UPDATE_MODE_PSTN);
    assertLikeReference(pstn.body, withData("UPDATE_MODE_OK", { mode: "pstn" }), { subs: subs() });
    assert.equal(pstn.body.response.data.id, numberId);
    assert.ok(pstn.body.response.data.date_updated >= pstn.body.response.data.date_created);
  });

  it("4. Whitelist IP Address: 200 as shown; an invalid IP the 400 shown", async () => {
    assertLikeReference((await replayOne(REQ.WHITELIST_IP)).body, reference("WHITELIST_IP_OK"), { subs: subs() });
    const bad = await replayOne(REQ.WHITELIST_IP, { ...subs(), "203.0.113.50": "256.1.2.3" });
    assertLikeReference(bad.body, reference("WHITELIST_IP_INVALID"));
  });

  it("5. Add Destination URI: the TLS, TCP and FQDN examples, each stored as sip:host:port;transport=x", async () => {
    const examples: [string, string][] = [
      [REQ.ADD_DESTINATION_TLS, "sip:203.0.113.50:5061;transport=tls"],
      [REQ.ADD_DESTINATION_TCP, "sip:203.0.113.50:5060;transport=tcp"],
      [REQ.ADD_DESTINATION_FQDN, "sip:sip.mycompany.com:5061;transport=tls"],
    ];
    for (const [curl, destination] of examples) {
      const r = await replayOne(curl);
      assertLikeReference(r.body, withData("ADD_DESTINATION_OK", { destination }), { subs: subs(), extraKeys: DESTINATION_EXTRAS });
      assert.deepEqual(r.body.metadata, { total: 1, success: 1, failed: 0 });
      const data = r.body.response[0].data;
      assert.deepEqual(Object.keys(data).slice(-3), ["type", "priority", "weight"]);
      assert.deepEqual([data.type, data.priority, data.weight], ["public", 0, 1]);
    }
  });

  it("6. Get Credentials: {username: the trunk sid, password: 16 alphanumerics}", async () => {
    const r = await replayOne(REQ.GET_CREDENTIALS);
    assertLikeReference(r.body, reference("GET_CREDENTIALS_OK"), { subs: subs(), extraKeys: CREDENTIAL_EXTRAS });
    assert.match(r.body.response.data.id, /^\d+$/);
  });

  it("7. Get Phone Numbers: the list shown (one number without mode, one in flow mode)", async () => {
    // Bring the trunk to the reference's state: +919876543210 mapped without a mode, +919876543211 in flow.
    const demo = server().demo;
    assert.equal((await demo.request("DELETE", `/trunks/${sid}/phone-numbers?id=${numberId}`)).status, 200);
    assertOk(await demo.request("POST", `/trunks/${sid}/phone-numbers`, { phone_number: "+919876543210" }), "POST");
    assertOk(await demo.request("POST", `/trunks/${sid}/phone-numbers`, { phone_number: "+919876543211", mode: "flow" }), "POST");
    assertLikeReference((await replayOne(REQ.GET_PHONE_NUMBERS)).body, reference("GET_PHONE_NUMBERS_OK"), { subs: subs(), ...LIST_EXTRAS });
  });

  it("8. Get Whitelisted IPs: the list shown", async () => {
    assertLikeReference((await replayOne(REQ.GET_WHITELISTED_IPS)).body, reference("GET_WHITELISTED_IPS_OK"), { subs: subs(), ...LIST_EXTRAS });
  });

  it("9. Get Destination URIs: the entry shown first, then the TCP and FQDN ones of section 5", async () => {
    const r = await replayOne(REQ.GET_DESTINATION_URIS);
    const data = r.body.response.data;
    assert.deepEqual(
      data.map((d: { destination: string }) => d.destination),
      ["sip:203.0.113.50:5061;transport=tls", "sip:203.0.113.50:5060;transport=tcp", "sip:sip.mycompany.com:5061;transport=tls"],
    );
    const first = { ...r.body, response: { ...r.body.response, data: data.slice(0, 1) } };
    assertLikeReference(first, reference("GET_DESTINATION_URIS_OK"), { subs: subs(), extraKeys: DESTINATION_EXTRAS });
  });

  it("10. Set Trunk Alias: the setting as shown", async () => {
    const r = await replayOne(REQ.SET_TRUNK_ALIAS);
    assertLikeReference(r.body, reference("SET_TRUNK_ALIAS_OK"), { subs: subs(), ...LIST_EXTRAS });
    assert.deepEqual(r.body.metadata, { total: 1, success: 1, failed: 0 });
  });

  it("11. Delete Trunk: data null; the trunk and everything on it are gone", async () => {
    assertLikeReference((await replayOne(REQ.DELETE_TRUNK)).body, reference("DELETE_TRUNK_OK"));
    assert.equal((await server().demo.request("GET", `/trunks/${sid}`)).status, 404);
    assert.equal((await server().demo.request("GET", `/trunks/${sid}/phone-numbers`)).status, 404);
    const rows = await snapshot(server().runtime);
    for (const table of ["trunks", "phone_numbers", "whitelisted_ips", "destinations", "credentials", "trunk_settings"]) assert.deepEqual(rows[table], [], table);
  });

  /** An end-to-end example on a store with no trunks; its trunk is deleted after, freeing its number. */
  async function endToEnd(script: string, sample: string, trunkName: string, checks: ((r: ApiReply) => void)[]): Promise<void> {
    const [createCurl, ...rest] = parseCurl(script);
    assert.ok(createCurl);
    const created = await sendCurl(createCurl, server().baseUrl);
    sid = assertOk(created, "POST").trunk_sid;
    assertLikeReference(created.body, withData("CREATE_TRUNK_OK", { trunk_name: trunkName }), { subs: subs() });
    assert.equal(rest.length, checks.length);
    for (const [i, req] of rest.entries()) checks[i]?.(await sendCurl(req, server().baseUrl, { [sample]: sid }));
    assertOk(await replayOne(REQ.DELETE_TRUNK), "DELETE");
  }
  const like = (name: string, patch: Record<string, unknown> = {}, extraKeys: string[] = []) => (r: ApiReply) =>
    assertLikeReference(r.body, withData(name, patch), { subs: subs(), extraKeys });

  it("End-to-end: Outbound Setup", async () => {
    await endToEnd(REQ.E2E_OUTBOUND, "trmum1a2b3c4d5e6f7890123456", "outbound_trunk", [
      like("MAP_NUMBER_OK", { mode: "pstn" }),
      like("WHITELIST_IP_OK"),
      like("GET_CREDENTIALS_OK", {}, CREDENTIAL_EXTRAS),
    ]);
  });

  it("End-to-end: Inbound Setup (number without a mode: null)", async () => {
    await endToEnd(REQ.E2E_INBOUND, "trmum2b3c4d5e6f7890123457", "inbound_trunk", [
      like("MAP_NUMBER_OK", { phone_number: "+911800123456", mode: null }),
      like("ADD_DESTINATION_OK", { destination: "sip:203.0.113.50:5061;transport=tls" }, DESTINATION_EXTRAS),
    ]);
  });

  it("End-to-end: StreamKit Setup (the outbound example's number, free again, in flow mode)", async () => {
    await endToEnd(REQ.E2E_STREAMKIT, "trmum3c4d5e6f7890123458", "streamkit_trunk", [
      like("MAP_NUMBER_OK", { mode: "flow" }),
      like("WHITELIST_IP_OK"),
      like("GET_CREDENTIALS_OK", {}, CREDENTIAL_EXTRAS),
    ]);
  });
});
