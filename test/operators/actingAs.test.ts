import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../../src/config.js";
import { buildServer } from "../../src/http/server.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { send, type ApiReply, type Json } from "../helpers/client.js";
import { describeOnEngines } from "../helpers/server.js";
import { ENGINES, openStoreFixture, type StoreFixture } from "../helpers/stores.js";

/**
 * `Trunkline-Account` on the carrier API (docs/operators.md): an operator acts as that account;
 * a customer can never use it to reach another account. Isolation is checked first.
 */
describeOnEngines(
  "Carrier API: an operator acting as an account (Trunkline-Account)",
  (server) => {
    const tokens: Record<string, string> = {};
    const uuids: Record<string, string> = {};
    const JSONAPI = "application/vnd.api+json";

    const call = (method: string, path: string, token: string, as?: string, body?: unknown): Promise<ApiReply> =>
      send(`${server().baseUrl}/carrier/v1${path}`, method, {
        headers: { authorization: `Bearer ${token}`, ...(as === undefined ? {} : { "trunkline-account": as }), ...(body === undefined ? {} : { "content-type": JSONAPI }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const error = (r: ApiReply, status: number, code: string) => {
      assert.equal(r.status, status, r.text);
      assert.equal(r.headers.get("content-type"), JSONAPI);
      assert.deepEqual(r.body.errors.map((e: Json) => [e.status, e.code, e.source?.header]), [[String(status), code, "Trunkline-Account"]]);
    };
    const trunkNames = (r: ApiReply) => {
      assert.equal(r.status, 200, r.text);
      return r.body.data.map((t: Json) => t.attributes.name).sort();
    };
    const newTrunk = (name: string) => ({ data: { type: "sip_trunk", attributes: { name, authentication_mode: "ip_address", region: "us-east-1", max_channels: 7 } } });

    before(async () => {
      const s = server();
      for (const [sid, operator] of [["actc", false], ["actd", false], ["actop", true]] as const) {
        tokens[sid] = (await s.runtime.services.accounts.create({ sid, operator })).apiToken;
      }
      for (const sid of ["actc", "actd"]) {
        const r = await call("POST", "/sip_trunks", tokens[sid]!, undefined, newTrunk(`${sid}_trunk`));
        assert.equal(r.status, 201, r.text);
        uuids[sid] = r.body.data.id;
      }
    });

    it("a customer naming another account is 403 forbidden — existing or not, reads and writes — and nothing is read or written", async () => {
      const c = tokens.actc!;
      for (const as of ["actd", "actop", "nosuchacct", "ACTD", "actd, actc"]) {
        error(await call("GET", "/sip_trunks", c, as), 403, "forbidden");
        error(await call("GET", `/sip_trunks/${uuids.actd}`, c, as), 403, "forbidden");
        error(await call("GET", "/phone_calls", c, as), 403, "forbidden");
        error(await call("GET", "/account", c, as), 403, "forbidden");
        error(await call("POST", "/sip_trunks", c, as, newTrunk("intruder")), 403, "forbidden");
        error(await call("PATCH", `/sip_trunks/${uuids.actd}`, c, as, { data: { type: "sip_trunk", id: uuids.actd, attributes: { max_channels: 1 } } }), 403, "forbidden");
        error(await call("DELETE", `/sip_trunks/${uuids.actd}`, c, as), 403, "forbidden");
      }
      assert.deepEqual(trunkNames(await call("GET", "/sip_trunks", tokens.actd!)), ["actd_trunk"], "D is untouched");
      assert.equal((await call("GET", `/sip_trunks/${uuids.actd}`, tokens.actd!)).body.data.attributes.max_channels, 7);
      // Without the header, D's trunk is still not C's.
      assert.equal((await call("GET", `/sip_trunks/${uuids.actd}`, c)).status, 404);
    });

    it("anyone may name their own account; it changes nothing", async () => {
      assert.deepEqual(trunkNames(await call("GET", "/sip_trunks", tokens.actc!, "actc")), ["actc_trunk"]);
      const own = await call("GET", "/account", tokens.actop!, "actop");
      assert.deepEqual([own.body.data.id, own.body.data.attributes.operator], ["actop", true]);
    });

    it("an operator acts as the named account: its trunks, its account, its writes", async () => {
      const op = tokens.actop!;
      assert.deepEqual(trunkNames(await call("GET", "/sip_trunks", op)), [], "the operator's own account has no trunks");
      assert.deepEqual(trunkNames(await call("GET", "/sip_trunks", op, "actc")), ["actc_trunk"]);
      const one = await call("GET", `/sip_trunks/${uuids.actc}`, op, "actc");
      assert.equal(one.status, 200, one.text);
      assert.equal(one.body.data.attributes.max_channels, 7);
      // Addressing is per account: C's trunk is not found as D.
      assert.equal((await call("GET", `/sip_trunks/${uuids.actc}`, op, "actd")).status, 404);
      const acct = await call("GET", "/account", op, "actc");
      assert.deepEqual([acct.body.data.id, acct.body.data.attributes.operator], ["actc", false]);
      const created = await call("POST", "/sip_trunks", op, "actc", newTrunk("actc_by_op"));
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(trunkNames(await call("GET", "/sip_trunks", tokens.actc!)), ["actc_by_op", "actc_trunk"]);
      assert.equal((await call("DELETE", `/sip_trunks/${created.body.data.id}`, op, "actc")).status, 200);
      assert.equal((await call("GET", "/phone_calls", op, "actc")).status, 200);
    });

    it("an operator naming an unknown account gets 404 not_found", async () => {
      for (const as of ["nosuchacct", "", "bad sid!", "actc, actd"]) error(await call("GET", "/sip_trunks", tokens.actop!, as), 404, "not_found");
    });

    it("operator-only reads keep the operator's rights while acting as a customer", async () => {
      const r = await call("GET", "/accounts?page[size]=100", tokens.actop!, "actc");
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body.data.some((a: Json) => a.id === "actd"));
      assert.equal((await call("GET", "/edges", tokens.actop!, "actc")).status, 200);
    });

    it("the rate limit is the operator's own", async () => {
      const remaining = (r: ApiReply) => Number(r.headers.get("x-ratelimit-remaining"));
      const before = remaining(await call("GET", "/account", tokens.actc!));
      for (let i = 0; i < 3; i++) assert.equal((await call("GET", "/sip_trunks", tokens.actop!, "actc")).status, 200);
      assert.equal(remaining(await call("GET", "/account", tokens.actc!)), before - 1);
    });

    it("the OpenAPI document lists the header on carrier operations only", async () => {
      const doc = (await send(`${server().baseUrl}/openapi.json`, "GET")).body;
      const params = (path: string, method: string) => (doc.paths[path][method].parameters ?? []).map((p: Json) => `${p.in}:${p.name}`);
      for (const [path, method] of [["/carrier/v1/sip_trunks", "get"], ["/carrier/v1/sip_trunks/{id}", "patch"], ["/carrier/v1/phone_calls", "get"], ["/carrier/v1/account", "get"]] as const) {
        assert.ok(params(path, method).includes("header:trunkline-account"), `${method} ${path}: ${params(path, method)}`);
      }
      assert.ok(!params("/v2/accounts/{account_sid}/trunks", "get").includes("header:trunkline-account"));
    });
  },
  { TRUNKLINE_RATE_LIMIT_PER_MINUTE: "1000" },
);

/** The audit trail: each request acting as another account is logged with both sids; nothing else is. */
for (const engine of ENGINES) {
  describe(`Trunkline-Account audit log [${engine}]`, () => {
    let store: StoreFixture;
    let runtime: Runtime;
    let app: FastifyInstance;
    const lines: Json[] = [];
    const tokens: Record<string, string> = {};

    before(async () => {
      store = await openStoreFixture(engine);
      runtime = await openRuntime({ ...loadConfig({ DATABASE_URL: store.databaseUrl, TRUNKLINE_SECRET_KEY: randomBytes(32).toString("hex") }), pgSchema: store.pgSchema });
      app = await buildServer(runtime, { level: "info", stream: { write: (line: string) => void lines.push(JSON.parse(line)) } });
      for (const [sid, operator] of [["audc", false], ["audd", false], ["audop", true]] as const) tokens[sid] = (await runtime.services.accounts.create({ sid, operator })).apiToken;
    });
    after(async () => {
      await app?.close();
      await runtime?.close();
      await store?.dispose();
    });

    it("logs the operator and the account for each request acting as another account", async () => {
      const get = (token: string, as?: string) => app.inject({ method: "GET", url: "/carrier/v1/sip_trunks", headers: { authorization: `Bearer ${token}`, ...(as ? { "trunkline-account": as } : {}) } });
      assert.equal((await get(tokens.audop!, "audc")).statusCode, 200);
      assert.equal((await get(tokens.audop!, "audop")).statusCode, 200);
      assert.equal((await get(tokens.audc!, "audc")).statusCode, 200);
      assert.equal((await get(tokens.audc!, "audd")).statusCode, 403);
      const audit = lines.filter((l) => l.msg === "operator request on another account");
      assert.deepEqual(audit.map((l) => [l.operator, l.account_sid]), [["audop", "audc"]]);
      assert.ok(audit[0].reqId, "with the request id");
    });
  });
}
