import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import os from "node:os";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../../src/config.js";
import { buildServer } from "../../src/http/server.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { openStoreFixture, type StoreFixture } from "../helpers/stores.js";

type Json = Record<string, unknown>;

/** The access line is written by hand (src/http/accessLog.ts) in pino's format: checked field by field. */
describe("access log line", () => {
  let store: StoreFixture;
  let runtime: Runtime;
  const apps: FastifyInstance[] = [];
  const build = async (level: string, lines: string[]) => {
    const app = await buildServer(runtime, { level, stream: { write: (line: string) => void lines.push(line) } });
    app.get("/boom", async (req) => {
      req.log.warn({ detail: 1 }, "handler line");
      return { ok: true };
    });
    apps.push(app);
    return app;
  };

  before(async () => {
    store = await openStoreFixture("sqlite");
    runtime = await openRuntime(loadConfig({ DATABASE_URL: store.databaseUrl, TRUNKLINE_SECRET_KEY: randomBytes(32).toString("hex") }), { demoSamples: false });
  });
  after(async () => {
    for (const app of apps) await app.close();
    await runtime?.close();
    await store?.dispose();
  });

  it("one line per request with pino's fields in pino's order, the request id of the response header", async () => {
    const lines: string[] = [];
    const app = await build("info", lines);
    const res = await app.inject({ method: "GET", url: '/healthz?q="x\\y', headers: { host: 'h"st:1' } });
    assert.equal(res.statusCode, 200);
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.endsWith("\n"));
    const line = JSON.parse(lines[0]!) as Json;
    assert.deepEqual(Object.keys(line), ["level", "time", "pid", "hostname", "reqId", "req", "res", "responseTime", "msg"]);
    assert.equal(line.level, 30);
    assert.ok(Math.abs((line.time as number) - Date.now()) < 5000);
    assert.equal(line.pid, process.pid);
    assert.equal(line.hostname, os.hostname());
    assert.equal(line.reqId, res.headers["x-request-id"]);
    // inject encodes the quote in the URL; the host header keeps it (escaped in the line).
    assert.deepEqual(line.req, { method: "GET", url: "/healthz?q=%22x\\y", host: 'h"st:1', remoteAddress: "127.0.0.1" });
    assert.deepEqual(line.res, { statusCode: 200 });
    assert.equal(typeof line.responseTime, "number");
    assert.equal(line.msg, "request completed");
  });

  it("the handler's own lines carry the request id; unmatched routes are logged; /metrics (warn) is not", async () => {
    const lines: string[] = [];
    const app = await build("info", lines);
    const boom = await app.inject({ method: "GET", url: "/boom" });
    await app.inject({ method: "GET", url: "/nowhere" });
    const metrics = await app.inject({ method: "GET", url: "/metrics" });
    // With a logger the metrics are taken in the same place as the access line (no onResponse hook).
    assert.match(metrics.body, /trunkline_http_request_duration_seconds_count\{method="GET",route="\/boom",status_code="200"\} 1\n/);
    assert.match(metrics.body, /trunkline_http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1\n/);
    const parsed = lines.map((l) => JSON.parse(l) as Json);
    assert.deepEqual(parsed.map((l) => [l.msg, (l.res as Json | undefined)?.statusCode]), [["handler line", undefined], ["request completed", 200], ["request completed", 404]]);
    assert.equal(parsed[0]!.reqId, boom.headers["x-request-id"]);
    assert.equal(parsed[0]!.level, 40);
    assert.equal(parsed[0]!.detail, 1);
  });

  it("a level above info writes no access line", async () => {
    const lines: string[] = [];
    const app = await build("warn", lines);
    await app.inject({ method: "GET", url: "/healthz" });
    await app.inject({ method: "GET", url: "/boom" });
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as Json).msg), ["handler line"]);
  });

  it("X-Request-Id on every answer, with and without a logger: routed, 404, 401, bad JSON, 406, both dialects", async () => {
    const issued = await runtime.services.accounts.create({ sid: "rid_acct" });
    const basic = `Basic ${Buffer.from(`${issued.apiKey}:${issued.apiToken}`).toString("base64")}`;
    const bearer = `Bearer ${issued.apiToken}`;
    const withLogger = await build("info", []);
    const bare = await buildServer(runtime, false);
    apps.push(bare);
    for (const app of [withLogger, bare]) {
      const answers = [
        await app.inject({ method: "GET", url: "/healthz" }),
        await app.inject({ method: "GET", url: "/nowhere" }),
        await app.inject({ method: "GET", url: "/v2/accounts/rid_acct/trunks" }),
        await app.inject({ method: "POST", url: "/v2/accounts/rid_acct/trunks", headers: { authorization: basic, "content-type": "application/json" }, payload: "{" }),
        await app.inject({ method: "GET", url: "/carrier/v1/sip_trunks", headers: { authorization: bearer, accept: "application/vnd.api+json; foo=bar" } }),
        await app.inject({ method: "GET", url: "/carrier/v1/sip_trunks", headers: { authorization: bearer } }),
      ];
      assert.deepEqual(answers.map((r) => r.statusCode), [200, 404, 401, 400, 406, 200]);
      const ids = answers.map((r) => r.headers["x-request-id"]);
      for (const id of ids) assert.match(String(id), /^[0-9a-f]{32}$/);
      assert.equal(new Set(ids).size, ids.length);
    }
  });
});
