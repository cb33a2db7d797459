import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { CLIENT_FILES } from "../../packages/client/scripts/generate.js";
import { lintOpenApi } from "../../scripts/openapi-lint.js";
import { checkResponse } from "../helpers/openapiValidator.js";
import { startServer, type TestServer } from "../helpers/server.js";

type Doc = { openapi: string; servers: unknown[]; paths: Record<string, Record<string, { operationId?: string; security?: unknown[]; tags?: string[]; responses: Record<string, unknown> }>> };

/** The document GET /openapi.json serves: complete, linted, and what the client was generated from. */
describe("OpenAPI document", () => {
  let server: TestServer;
  let doc: Doc;
  before(async () => {
    server = await startServer("sqlite");
    doc = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as Doc;
  });
  after(async () => {
    await server?.close();
  });

  it("lints with 0 errors and 0 warnings (Redocly recommended rules)", async () => {
    const problems = await lintOpenApi(doc);
    assert.deepEqual(
      problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`),
      [],
    );
  });

  it("has every operation of both dialects with an operationId, a tag, its dialect's security and its successes", () => {
    assert.equal(doc.openapi, "3.1.0");
    assert.ok(doc.servers.length > 0);
    const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
    const ids = ops.map((o) => o.op.operationId);
    assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
    for (const { path, method, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(op.operationId && op.tags?.length, `${where}: operationId and tag`);
      assert.deepEqual(op.security, [path.startsWith("/carrier/") ? { bearer: [] } : { basic: [] }], `${where}: security`);
      assert.ok(op.responses["401"] && op.responses["429"] && op.responses["500"], `${where}: the dialect's errors`);
    }
    const byId = Object.fromEntries(ops.map((o) => [o.op.operationId, o]));
    assert.ok(byId.createSipTrunk?.op.responses["201"] && !byId.createSipTrunk.op.responses["200"], "carrier create is 201");
    assert.ok(byId.addDestinationUris?.op.responses["207"] && byId.setSettings?.op.responses["207"], "batches document 207");
    for (const id of ["createTrunk", "listTrunks", "getTrunk", "updateTrunk", "deleteTrunk", "mapPhoneNumber", "listPhoneNumbers", "getCredentials", "getTrunkMap", "listCalls", "getCall", "listSipTrunks", "getPhoneCall"]) {
      assert.ok(byId[id], `operation ${id}`);
    }
  });

  it("is the document packages/client was generated from (run: npm run generate -w @trunkline/client)", async () => {
    assert.deepEqual(JSON.parse(readFileSync(CLIENT_FILES.document, "utf8")), doc, "packages/client/openapi.json is stale");
    const schema = `${COMMENT_HEADER}${astToString(await openapiTS(doc as never, { alphabetize: false }))}`;
    assert.ok(readFileSync(CLIENT_FILES.schema, "utf8") === schema, "packages/client/src/schema.ts is stale");
  });

  it("the response check refuses what the document does not describe", async () => {
    const url = `${server.baseUrl}/v2/accounts/exoteltest/trunks/trmum1/credentials`;
    const ok = JSON.stringify({ request_id: "a".repeat(32), method: "GET", http_code: 200, response: [] });
    await checkResponse(url, "GET", 200, "application/json; charset=utf-8", ok);
    await assert.rejects(checkResponse(url, "GET", 418, "application/json", ok), /418 is not documented/);
    await assert.rejects(checkResponse(url, "GET", 200, "text/html", ok), /Content-Type text\/html/);
    await assert.rejects(checkResponse(url, "GET", 200, "application/json", JSON.stringify({ request_id: "x", method: "GET" })), /does not match the document/);
    const carrier = `${server.baseUrl}/carrier/v1/sip_trunks/nope`;
    await assert.rejects(checkResponse(carrier, "GET", 404, "application/vnd.api+json", JSON.stringify({ errors: [] })), /does not match/);
    // Paths no operation serves get the dialect's error body (its not-found handler).
    await checkResponse(`${server.baseUrl}/carrier/v1/nothing`, "GET", 404, "application/vnd.api+json", JSON.stringify({ errors: [{ status: "404", code: "not_found", title: "Not Found", detail: "x" }] }));
  });
});
