import assert from "node:assert/strict";
import { before, it } from "node:test";
import { basicAuth, ExotelClient, type ApiReply, type Json } from "../helpers/client.js";
import { describeOnEngines } from "../helpers/server.js";

/**
 * A trunk's only credential comes back in the reference's shape `{username, password}` plus its
 * `id` (an extension): with it the credential can be rotated and removed; another account's key
 * still reaches nothing.
 */
describeOnEngines("Exotel credentials: the only credential's id", (server) => {
  let a: ExotelClient;
  let b: ExotelClient;
  let trunk: string;
  const ok = (r: ApiReply) => {
    assert.equal(r.status, 200, r.text);
    return r.body.response.data as Json;
  };

  before(async () => {
    const s = server();
    const make = async (sid: string) => {
      const issued = await s.runtime.services.accounts.create({ sid });
      return new ExotelClient(s.baseUrl, sid, basicAuth(issued.apiKey, issued.apiToken));
    };
    a = await make("credida");
    b = await make("credidb");
    trunk = await a.createTrunk("cred_trunk");
  });

  it("the pair keeps the reference's fields first and adds the id", async () => {
    const pair = ok(await a.request("GET", `/trunks/${trunk}/credentials`));
    assert.deepEqual(Object.keys(pair), ["username", "password", "id"]);
    assert.equal(pair.username, trunk);
    assert.match(pair.id, /^\d+$/);
  });

  it("another account cannot use the id, on its own trunk or on ours", async () => {
    const { id } = ok(await a.request("GET", `/trunks/${trunk}/credentials`));
    const theirs = await b.createTrunk("their_trunk");
    for (const r of [
      await b.request("PUT", `/trunks/${theirs}/credentials/${id}`, { password: "Stol3nPassw0rdX" }),
      await b.request("DELETE", `/trunks/${theirs}/credentials?id=${id}`),
    ]) assert.equal(r.status, 404, r.text);
    for (const r of [
      await b.request("PUT", `/v2/accounts/credida/trunks/${trunk}/credentials/${id}`, { password: "Stol3nPassw0rdX" }),
      await b.request("DELETE", `/v2/accounts/credida/trunks/${trunk}/credentials?id=${id}`),
    ]) assert.equal(r.status, 403, r.text);
    const after = ok(await a.request("GET", `/trunks/${trunk}/credentials`));
    assert.equal(after.id, id);
    assert.notEqual(after.password, "Stol3nPassw0rdX");
  });

  it("rotates and removes the only credential by that id", async () => {
    const { id } = ok(await a.request("GET", `/trunks/${trunk}/credentials`));
    assert.equal(ok(await a.request("PUT", `/trunks/${trunk}/credentials/${id}`, { password: "R0tatedPassw0rd" })).password, "R0tatedPassw0rd");
    assert.deepEqual(ok(await a.request("GET", `/trunks/${trunk}/credentials`)), { username: trunk, password: "R0tatedPassw0rd", id });
    const bad = await a.request("PUT", `/trunks/${trunk}/credentials/${id}`, { password: "short" });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(ok(await a.request("DELETE", `/trunks/${trunk}/credentials?id=${id}`)).id, id);
    const none = await a.request("GET", `/trunks/${trunk}/credentials`);
    assert.equal(none.status, 200, none.text);
    assert.deepEqual(none.body.response, []);
  });
});
