import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { basicAuth } from "../helpers/client.js";
import { JSONAPI } from "../helpers/carrierClient.js";
import { describeOnEngines } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";
import { assertJsonApi } from "./assert.js";

const VALID = { name: "Negotiated", authentication_mode: "ip_address", region: "us-east-1" };
const doc = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ data: { type: "sip_trunk", ...extra, attributes: { ...VALID, name } } });

/** JSON:API 1.1 content negotiation and client-generated ids, with exact error documents. */
describeOnEngines("Carrier content negotiation", (server) => {
  it("Content-Type application/vnd.api+json with a parameter other than ext/profile → 415, nothing stored", async () => {
    const c = server().demoCarrier;
    for (const [type, got] of [
      [`${JSONAPI}; version=2`, "version"],
      [`${JSONAPI};version=2;profile="https://example.com/p"`, "version"],
      [`${JSONAPI}; ext="https://example.com/ext/atomic"`, 'ext="https://example.com/ext/atomic"'],
    ] as const) {
      const r = await assertUnchanged(server().runtime, () => c.raw("POST", "", { headers: { "content-type": type }, body: doc("Versioned") }));
      assertJsonApi(r, 415);
      assert.deepEqual(r.body, {
        errors: [
          {
            status: "415",
            code: "unsupported_media_type",
            title: "Unsupported Media Type",
            detail: `Content-Type application/vnd.api+json must not carry media type parameters other than ext and profile (got ${got})`,
            source: { header: "Content-Type" },
          },
        ],
      });
    }
    const id = (await c.createTrunk("Patch target")) as string;
    const patch = await c.raw("PATCH", `/${id}`, { headers: { "content-type": `${JSONAPI}; version=2` }, body: JSON.stringify({ data: { type: "sip_trunk", id, attributes: { name: "x" } } }) });
    assertJsonApi(patch, 415);
  });

  it("profile and an empty ext are fine; charset=utf-8 is tolerated; plain JSON may carry any parameter", async () => {
    const c = server().demoCarrier;
    for (const [i, type] of [`${JSONAPI}; profile="https://example.com/p"`, `${JSONAPI}; ext=""`, `${JSONAPI}; charset=UTF-8`, "application/json; charset=utf-8; version=2"].entries()) {
      assertJsonApi(await c.raw("POST", "", { headers: { "content-type": type }, body: doc(`Fine ${i}`) }), 201);
    }
  });

  it("Accept holding only parameterised JSON:API types → 406 on every method; one plain instance (or none) is fine", async () => {
    const c = server().demoCarrier;
    const id = await c.createTrunk("Accepting");
    const expected = {
      errors: [
        {
          status: "406",
          code: "not_acceptable",
          title: "Not Acceptable",
          detail: "Accept lists application/vnd.api+json only with media type parameters other than ext and profile (version); accept application/vnd.api+json without them",
          source: { header: "Accept" },
        },
      ],
    };
    for (const accept of [`${JSONAPI}; version=2`, `${JSONAPI}; version=2, ${JSONAPI}; version=3`, `${JSONAPI};version=2, application/json`]) {
      const list = await c.raw("GET", "", { headers: { accept } });
      assertJsonApi(list, 406);
      assert.deepEqual(list.body, expected);
      assertJsonApi(await c.raw("GET", `/${id}`, { headers: { accept } }), 406);
      const create = await assertUnchanged(server().runtime, () => c.raw("POST", "", { headers: { accept, "content-type": JSONAPI }, body: doc("Not acceptable") }));
      assertJsonApi(create, 406);
      assertJsonApi(await c.raw("DELETE", `/${id}`, { headers: { accept } }), 406);
    }
    for (const accept of [JSONAPI, `${JSONAPI}; version=2, ${JSONAPI}`, `${JSONAPI}; profile="https://example.com/p"`, "application/json", "*/*", "text/html, */*;q=0.1"]) {
      assertJsonApi(await c.raw("GET", `/${id}`, { headers: { accept } }), 200);
    }
  });

  it("a create with a client-generated id → 403 with a pointer to /data/id, nothing stored; PATCH's id is still the URL's", async () => {
    const c = server().demoCarrier;
    for (const id of [randomUUID(), "my-own-id", ""]) {
      const r = await assertUnchanged(server().runtime, () => c.raw("POST", "", { headers: { "content-type": JSONAPI }, body: doc("Own id", { id }) }));
      assertJsonApi(r, 403);
      assert.deepEqual(r.body, {
        errors: [
          {
            status: "403",
            code: "client_generated_id",
            title: "Forbidden",
            detail: "Client-generated ids are not supported: leave data.id out of a create; the server assigns the id",
            source: { pointer: "/data/id" },
          },
        ],
      });
    }
    const id = await c.createTrunk("Own id ok");
    assertJsonApi(await c.update(id, { name: "Renamed own" }), 200);
  });

  it("inputs named after Object.prototype's members are plain bad values, never a 500", async () => {
    const c = server().demoCarrier;
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const region = await assertUnchanged(server().runtime, () => c.create({ ...VALID, name: `Proto ${name}`, region: name }));
      assertJsonApi(region, 422);
      assert.deepEqual(region.body.errors.map((e: { source: { pointer: string } }) => e.source.pointer), ["/data/attributes/region"]);
      const mode = await c.create({ ...VALID, name: `Mode ${name}`, authentication_mode: name });
      assertJsonApi(mode, 422);
      assert.deepEqual(mode.body.errors.map((e: { source: { pointer: string } }) => e.source.pointer), ["/data/attributes/authentication_mode"]);
      const country = await c.create({ ...VALID, name: `Country ${name}`, inbound_country: name });
      assertJsonApi(country, 422);
      const fields = await c.raw("GET", `?fields[sip_trunk]=${encodeURIComponent(name)}`);
      assertJsonApi(fields, 400);
      assert.equal(fields.body.errors[0].detail, `fields[sip_trunk] names unknown fields: ${name}`);
      assertJsonApi(await c.raw("GET", `?page[${encodeURIComponent(name)}]=1`), 400);
      assertJsonApi(await c.raw("GET", `/${encodeURIComponent(name)}`), 404);
      // The carrier also takes the token as a Basic password; the user name is ignored.
      const basic = await c.raw("GET", "", { headers: { authorization: basicAuth(name, name) } });
      assertJsonApi(basic, 401);
    }
  });
});
