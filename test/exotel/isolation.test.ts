import assert from "node:assert/strict";
import { before, it } from "node:test";
import type { ApiReply, ExotelClient } from "../helpers/client.js";
import { assertError, assertList } from "../helpers/exotelAssert.js";
import { populateTrunk, type PopulatedTrunk } from "../helpers/fixtures.js";
import { describeOnEngines } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";
import { trunkEndpoints } from "./endpoints.js";

/** The body without its request id, with the given values (quoted in descriptions) replaced by a placeholder. */
function normalized(r: ApiReply, ...values: string[]): string {
  const { request_id: _id, ...rest } = r.body;
  return values.reduce((text, v) => text.split(`'${v}'`).join("'<REF>'"), JSON.stringify(rest));
}

/** Two accounts never see or touch each other's trunks or anything on them, through any endpoint. */
describeOnEngines("Exotel tenant isolation", (server) => {
  let a: ExotelClient;
  let b: ExotelClient;
  let ta: PopulatedTrunk;
  let tb: PopulatedTrunk;
  before(async () => {
    a = await server().account("iso_a");
    b = await server().account("iso_b");
    ta = await populateTrunk(a, "iso_trunk", 1);
    tb = await populateTrunk(b, "iso_trunk", 2);
  });

  it("B's lists never show A's trunks, not even filtered by A's sid", async () => {
    const all = assertList(await b.request("GET", "/trunks"));
    assert.deepEqual(all.map((x: { trunk_sid: string }) => x.trunk_sid), [tb.sid]);
    assert.deepEqual(assertList(await b.request("GET", `/trunks?trunk_sid=${ta.sid}`)), []);
  });

  it("every endpoint on A's trunk answers B exactly as for a trunk that does not exist (404 / 1003), changing nothing", async () => {
    const missing = { ...ta, sid: "trmumzzzzzzzzzzzzzzzzzzzzzzz" };
    const probes = trunkEndpoints(ta);
    const controls = trunkEndpoints(missing);
    await assertUnchanged(server().runtime, async () => {
      for (const [i, [method, path, body]] of probes.entries()) {
        const r = await b.request(method, path, body);
        assertError(r, method, 404, 1003);
        const [, controlPath, controlBody] = controls[i]!;
        const control = await b.request(method, controlPath, controlBody);
        assert.equal(normalized(r, ta.sid), normalized(control, missing.sid), `${method} ${path}`);
      }
    });
  });

  it("A's sub-resource ids on B's own trunk are 404 like ids never issued", async () => {
    const foreign = { ...ta, sid: tb.sid, number: tb.number };
    const unissued = { ...foreign, numberId: "777777", ipId: "777777", destinationId: "777777", credentialId: "777777" };
    const pick = (e: readonly [string, string, unknown]) => (e[0] === "PUT" || e[0] === "DELETE") && /[?/](id=)?\d+$/.test(e[1]);
    const probes = trunkEndpoints(foreign).filter(pick);
    const controls = trunkEndpoints(unissued).filter(pick);
    assert.equal(probes.length, 14);
    await assertUnchanged(server().runtime, async () => {
      for (const [i, [method, path, body]] of probes.entries()) {
        const r = await b.request(method, path, body);
        assertError(r, method, 404, 1003);
        const control = await b.request(method, controls[i]![1], controls[i]![2]);
        assert.equal(normalized(r, ta.numberId, ta.ipId, ta.destinationId, ta.credentialId), normalized(control, "777777"), `${method} ${path}`);
      }
    });
  });

  it("A's account sid in B's path is 403 / 1011 on every endpoint, changing nothing", async () => {
    const endpoints = [...trunkEndpoints(ta), ["GET", "/trunks", undefined], ["POST", "/trunks", { trunk_name: "x", nso_code: "ANY-ANY", domain_name: "iso_a.pstn.exotel.com" }], ["GET", `/trunk-maps?exophone=${encodeURIComponent(ta.number)}`, undefined]] as const;
    await assertUnchanged(server().runtime, async () => {
      for (const [method, path, body] of endpoints) assertError(await b.request(method, `/v2/accounts/iso_a${path}`, body), method, 403, 1011);
    });
  });

  it("trunk-maps: A's number is 'not mapped' for B; mapping it is a conflict that names only the number", async () => {
    const lookup = await b.request("GET", `/trunk-maps?exophone=${encodeURIComponent(ta.number)}`);
    const never = await b.request("GET", `/trunk-maps?exophone=${encodeURIComponent("+919876500321")}`);
    assertError(lookup, "GET", 404, 1003);
    assert.equal(normalized(lookup, ta.number), normalized(never, "+919876500321"));
    const taken = await assertUnchanged(server().runtime, () => b.request("POST", `/trunks/${tb.sid}/phone-numbers`, { phone_number: ta.number }));
    assertError(taken, "POST", 409, 1002, `Phone number '${ta.number}' already exists`);
    assert.ok(!taken.text.includes(ta.sid) && !taken.text.includes("iso_a"));
  });

  it("A still sees everything of its own", async () => {
    const base = `/trunks/${ta.sid}`;
    assert.equal(assertList(await a.request("GET", `${base}/phone-numbers`)).length, 1);
    assert.equal(assertList(await a.request("GET", `${base}/whitelisted-ips`)).length, 1);
    assert.equal(assertList(await a.request("GET", `${base}/destination-uris`)).length, 1);
    assert.equal(assertList(await a.request("GET", `${base}/settings`)).length, 1);
    assert.equal((await a.request("GET", `${base}/credentials`)).body.response.data.length, 2);
  });
});
