import assert from "node:assert/strict";
import { before, it } from "node:test";
import { basicAuth, send } from "../helpers/client.js";
import { assertError } from "../helpers/exotelAssert.js";
import { describeOnEngines } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";

const KEY = "exoteltest";
const TOKEN = "a1b2c3d4e5f6g7h8i9j0";
const NUL = "\u0000";

/**
 * PostgreSQL cannot hold (or even compare) a NUL in text: every input that could reach a query —
 * credentials, path ids, query parameters, JSON strings — is refused as bad input on both engines,
 * never a 500.
 */
describeOnEngines("NUL characters in any input", (server) => {
  let sid = "";
  before(async () => {
    sid = await server().demo.createTrunk("nul_text");
  });

  it("Exotel Basic auth with a NUL in the key or the token → 401 / 1010", async () => {
    const url = `${server().baseUrl}/v2/accounts/${KEY}/trunks`;
    for (const [user, password] of [
      [`${KEY}${NUL}`, TOKEN],
      [`exo${NUL}test`, TOKEN],
      [NUL, NUL],
      [KEY, `${TOKEN}${NUL}`],
    ]) {
      const r = await send(url, "GET", { headers: { authorization: basicAuth(user as string, password as string) } });
      assertError(r, "GET", 401, 1010, "Invalid API key or token");
      assert.equal(r.headers.get("www-authenticate"), 'Basic realm="trunkline"');
    }
  });

  // (A raw NUL cannot be sent in a header at all — Bearer tokens are safe by HTTP itself; Basic
  // credentials are base64 and decode to anything.)
  it("carrier Basic auth with a NUL in the token → 401", async () => {
    const url = `${server().baseUrl}/carrier/v1/sip_trunks`;
    for (const authorization of [basicAuth("any", `${TOKEN}${NUL}`), basicAuth(`a${NUL}`, `${NUL}`)]) {
      const r = await send(url, "GET", { headers: { authorization } });
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.errors[0].code, "unauthorized");
    }
  });

  it("Exotel path ids, query parameters and JSON strings with a NUL → 400 / 1001, nothing stored", async () => {
    const c = server().demo;
    const cases: [string, string, unknown][] = [
      ["GET", `/trunks/${sid}%00`, undefined],
      ["GET", `/trunks/${sid}/phone-numbers?offset=%00`, undefined],
      ["PUT", `/trunks/${sid}/phone-numbers/1%00`, { phone_number: "+919876543210", mode: "pstn" }],
      ["DELETE", `/trunks?trunk_sid=${sid}%00`, undefined],
      ["DELETE", `/trunks/${sid}/settings?name=trunk_external_alias%00`, undefined],
      ["GET", `/trunk-maps?exophone=%2B919876543210%00`, undefined],
      ["POST", "/trunks", { trunk_name: `n${NUL}`, nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com" }],
      ["POST", `/trunks/${sid}/settings`, { settings: [{ name: `trunk_external_alias${NUL}`, value: "+919876543210" }] }],
      ["POST", `/trunks/${sid}/credentials`, { user_name: `u${NUL}`, password: "password1234" }],
    ];
    for (const [method, path, body] of cases) {
      const r = await assertUnchanged(server().runtime, () => c.request(method, path, body));
      assertError(r, method, 400, 1001, "Request text must not contain NUL characters");
    }
  });

  it("carrier path ids, query parameters and JSON strings with a NUL → 400, nothing stored", async () => {
    const c = server().demoCarrier;
    const id = await c.createTrunk("Nul target");
    const cases: [string, string, unknown][] = [
      ["GET", `/${id}%00`, undefined],
      ["GET", `?page[after]=${id}%00`, undefined],
      ["GET", `?fields[sip_trunk]=name%00`, undefined],
      ["PATCH", `/${id}`, { data: { type: "sip_trunk", id, attributes: { outbound_host: `pbx${NUL}.example.com` } } }],
      ["DELETE", `/${id}%00`, undefined],
    ];
    for (const [method, path, body] of cases) {
      const r = await assertUnchanged(server().runtime, () => c.request(method, path, body));
      assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
      assert.deepEqual(r.body.errors, [{ status: "400", code: "invalid_document", title: "Bad Request", detail: "Request text must not contain NUL characters" }]);
    }
  });
});
