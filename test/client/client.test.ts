import assert from "node:assert/strict";
import { it } from "node:test";
import { CarrierApiError, createCarrierClient, createExotelClient, data, ExotelApiError, ExotelV1ApiError } from "../../packages/client/src/index.js";
import { describeOnEngines } from "../helpers/server.js";

/** The typed client (packages/client) against a real server, in both dialects, on both engines. */
describeOnEngines("@trunkline/client", (server) => {
  it("Exotel v2: create, list, get and delete a trunk; errors are ExotelApiError with the envelope", async () => {
    const issued = await server().runtime.services.accounts.create({ sid: "client_exotel" });
    const exotel = createExotelClient({ baseUrl: server().baseUrl, apiKey: issued.apiKey, apiToken: issued.apiToken });
    const path = { account_sid: "client_exotel" };

    const created = await data(exotel.POST("/v2/accounts/{account_sid}/trunks", { params: { path }, body: { trunk_name: "client_trunk", nso_code: "ANY-ANY", domain_name: "client_exotel.pstn.exotel.com" } }));
    const sid = created.response.data.trunk_sid;
    assert.equal(created.response.data.trunk_name, "client_trunk");
    assert.match(sid, /^[a-z0-9]+$/);

    const listed = await data(exotel.GET("/v2/accounts/{account_sid}/trunks", { params: { path, query: { page_size: "10" } } }));
    assert.deepEqual(listed.response.data.map((t) => t.trunk_sid), [sid]);
    assert.equal(listed.metadata.page_size, 10);

    const got = await data(exotel.GET("/v2/accounts/{account_sid}/trunks/{trunk_sid}", { params: { path: { ...path, trunk_sid: sid } } }));
    assert.equal(got.response.data.active_calls, 0);

    const mapped = await data(exotel.POST("/v2/accounts/{account_sid}/trunks/{trunk_sid}/phone-numbers", { params: { path: { ...path, trunk_sid: sid } }, body: { phone_number: "+919876543210", mode: "pstn" } }));
    assert.equal(mapped.response.data.mode, "pstn");

    const deleted = await data(exotel.DELETE("/v2/accounts/{account_sid}/trunks", { params: { path, query: { trunk_sid: sid } } }));
    // openapi-fetch's response types leave out properties typed only `null` (see packages/client/README.md).
    assert.equal((deleted.response as { data?: unknown }).data, null);

    const gone = await exotel.GET("/v2/accounts/{account_sid}/trunks/{trunk_sid}", { params: { path: { ...path, trunk_sid: sid } } }).catch((e: unknown) => e);
    assert.ok(gone instanceof ExotelApiError, String(gone));
    assert.equal(gone.status, 404);
    assert.equal(gone.code, 1003);
    assert.equal(gone.body.response.error_data.message, "Resource not found");
    assert.match(gone.requestId ?? "", /^[0-9a-f]{32}$/);

    const bad = await exotel.POST("/v2/accounts/{account_sid}/trunks", { params: { path }, body: { trunk_name: "no spaces allowed", nso_code: "ANY-ANY", domain_name: "client_exotel.pstn.exotel.com" } }).catch((e: unknown) => e);
    assert.ok(bad instanceof ExotelApiError);
    assert.equal(bad.status, 400);
    assert.equal(bad.code, 1000);
  });

  it("Exotel v1: an unknown call is ExotelV1ApiError with the RestException", async () => {
    const issued = await server().runtime.services.accounts.create({ sid: "client_v1" });
    const exotel = createExotelClient({ baseUrl: server().baseUrl, apiKey: issued.apiKey, apiToken: issued.apiToken });
    const page = await data(exotel.GET("/v1/Accounts/{account_sid}/Calls.json", { params: { path: { account_sid: "client_v1" } } }));
    assert.deepEqual(page.Calls, []);
    const missing = await exotel.GET("/v1/Accounts/{account_sid}/Calls/{call_sid}", { params: { path: { account_sid: "client_v1", call_sid: "0123abc" } } }).catch((e: unknown) => e);
    assert.ok(missing instanceof ExotelV1ApiError, String(missing));
    assert.deepEqual(missing.body, { RestException: { Status: 404, Message: "Call 0123abc not found" } });
  });

  it("carrier: create (201), list, get and delete a SIP trunk; errors are CarrierApiError with the error document", async () => {
    const issued = await server().runtime.services.accounts.create({ sid: "client_carrier" });
    const carrier = createCarrierClient({ baseUrl: server().baseUrl, token: issued.apiToken });

    const { data: created, response } = await carrier.POST("/carrier/v1/sip_trunks", {
      body: { data: { type: "sip_trunk", attributes: { name: "Client Trunk", authentication_mode: "client_credentials", region: "us-east-1", max_channels: 5 } } },
    });
    assert.equal(response.status, 201);
    assert.ok(created);
    const id = created.data.id;
    assert.equal(response.headers.get("location"), created.data.links.self);
    assert.equal(created.data.attributes.max_channels, 5);
    assert.equal(typeof created.data.attributes.password, "string");

    const listed = await data(carrier.GET("/carrier/v1/sip_trunks", { params: { query: { "page[size]": "5" } } }));
    assert.deepEqual(listed.data.map((t) => t.id), [id]);
    assert.equal(listed.links.next, null);

    const got = await data(carrier.GET("/carrier/v1/sip_trunks/{id}", { params: { path: { id } } }));
    assert.equal(got.data.attributes.name, "Client Trunk");

    const updated = await data(carrier.PATCH("/carrier/v1/sip_trunks/{id}", { params: { path: { id } }, body: { data: { type: "sip_trunk", id, attributes: { max_channels: 7 } } } }));
    assert.equal(updated.data.attributes.max_channels, 7);

    const deleted = await data(carrier.DELETE("/carrier/v1/sip_trunks/{id}", { params: { path: { id } } }));
    assert.equal(deleted.data.id, id);

    const gone = await carrier.GET("/carrier/v1/sip_trunks/{id}", { params: { path: { id } } }).catch((e: unknown) => e);
    assert.ok(gone instanceof CarrierApiError, String(gone));
    assert.equal(gone.status, 404);
    assert.equal(gone.errors[0]?.code, "not_found");

    const invalid = await carrier.POST("/carrier/v1/sip_trunks", { body: { data: { type: "sip_trunk", attributes: { name: "", authentication_mode: "ip_address", region: "nowhere" } } } }).catch((e: unknown) => e);
    assert.ok(invalid instanceof CarrierApiError);
    assert.equal(invalid.status, 422);
    assert.ok(invalid.errors.some((e) => e.source && "pointer" in e.source && e.source.pointer === "/data/attributes/region"), JSON.stringify(invalid.body));
  });

  it("a wrong token is a typed 401 in each dialect", async () => {
    const exotel = createExotelClient({ baseUrl: server().baseUrl, apiKey: "nobody", apiToken: "wrong" });
    const e = await exotel.GET("/v2/accounts/{account_sid}/trunks", { params: { path: { account_sid: "nobody" } } }).catch((x: unknown) => x);
    assert.ok(e instanceof ExotelApiError);
    assert.equal(e.code, 1010);
    const carrier = createCarrierClient({ baseUrl: server().baseUrl, token: "wrong" });
    const c = await carrier.GET("/carrier/v1/sip_trunks").catch((x: unknown) => x);
    assert.ok(c instanceof CarrierApiError);
    assert.equal(c.status, 401);
  });
});
