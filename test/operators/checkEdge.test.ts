import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { startShippedUas, removeLogs, type ShippedUas } from "../check/shipped.js";
import { describeEdge } from "../edge/harness.js";
import { send, type Json } from "../helpers/client.js";
import { freePort } from "../helpers/process.js";

/**
 * POST /v2/accounts/{sid}/trunks/{trunk_sid}/check against a real Kamailio edge: a trunk whose
 * destination (a shipped sipp UAS) answers OPTIONS sent from the edge passes every step; one whose
 * destination is silent fails the options step with the edge's 408 and a fix.
 */
describeEdge("API trunk check with an edge", "127.0.205.1", (stack) => {
  let uas: ShippedUas;
  let good: string;
  let silent: string;
  const steps = (data: Json) => data.steps.map((s: Json) => [s.name, s.ok]);

  before(async () => {
    uas = await startShippedUas("uas.xml", "127.0.205.20", await freePort(), "tcp");
    const demo = stack().server.demo;
    const make = async (name: string, number: string, destination: string) => {
      const sid = await demo.createTrunk(name);
      assert.equal((await demo.request("POST", `/trunks/${sid}/phone-numbers`, { phone_number: number })).status, 200);
      assert.equal((await demo.request("POST", `/trunks/${sid}/whitelisted-ips`, { ip: "127.0.205.10", mask: 32 })).status, 200);
      assert.equal((await demo.request("POST", `/trunks/${sid}/destination-uris`, { destinations: [{ destination }] })).status, 200);
      return sid;
    };
    good = await make("check_good", "+919800205101", `${uas.address};transport=tcp`);
    silent = await make("check_silent", "+919800205102", `127.0.205.21:${await freePort()};transport=tcp`);
    await stack().settled();
  });
  after(async () => {
    await uas?.stop();
    removeLogs();
  });

  it("a working trunk: every step passes, the destination answered OPTIONS from the edge", async () => {
    const r = await stack().server.demo.request("POST", `/trunks/${good}/check`);
    assert.equal(r.status, 200, r.text);
    const data = r.body.response.data;
    assert.deepEqual(steps(data), [["numbers", true], ["access", true], ["destinations", true], ["edge", true], ["options", true], ["sync", true]], JSON.stringify(data, null, 2));
    assert.equal(data.ok, true);
    assert.match(data.steps[4].detail, /: 200 OK in \d+ ms/);
    assert.ok(uas.messages().some((m) => !m.sent && m.text.startsWith("OPTIONS ")), "the UAS received the edge's OPTIONS");
  });

  it("a silent destination: the options step fails with the edge's timeout and a fix; ok is false", async () => {
    const r = await stack().server.demo.request("POST", `/trunks/${silent}/check`);
    assert.equal(r.status, 200, r.text);
    const data = r.body.response.data;
    assert.equal(data.ok, false);
    const options = data.steps.find((s: Json) => s.name === "options");
    assert.equal(options.ok, false, JSON.stringify(data, null, 2));
    assert.match(options.detail, /127\.0\.205\.21/);
    assert.match(options.fix, /must answer SIP from the edge/);
    assert.deepEqual(steps(data).filter(([name]: [string]) => name !== "options"), [["numbers", true], ["access", true], ["destinations", true], ["edge", true], ["sync", true]]);
  });

  it("GET /carrier/v1/edges shows the running edge in step (configured by TRUNKLINE_EDGE_RPC_URLS); media_relays is empty", async () => {
    const s = stack().server;
    const op = await s.runtime.services.accounts.create({ sid: "edgeops", operator: true });
    const auth = { authorization: `Bearer ${op.apiToken}` };
    const r = await send(`${s.baseUrl}/carrier/v1/edges`, "GET", { headers: auth });
    assert.equal(r.status, 200, r.text);
    const rpcUrl = `http://127.0.0.1:${stack().options.rpcPort}/RPC`;
    assert.deepEqual(
      r.body.data.map((e: Json) => [e.id, e.type, e.attributes.state, e.attributes.configured, e.attributes.last_error]),
      [[rpcUrl, "edge", "in_sync", true, null]],
    );
    // Updates pushed while Kamailio was still starting count as failed; the edge is in step since.
    assert.ok(Number.isInteger(r.body.data[0].attributes.failed_updates));
    const relays = await send(`${s.baseUrl}/carrier/v1/media_relays`, "GET", { headers: auth });
    assert.deepEqual(relays.body, { data: [] });
  });
});

