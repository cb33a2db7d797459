import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { basicAuth, send } from "../helpers/client.js";
import type { CarrierClient } from "../helpers/carrierClient.js";
import type { ExotelClient } from "../helpers/client.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { ENGINES } from "../helpers/stores.js";
import { parseExposition, type Exposition } from "./prometheusText.js";

const HTTP = "trunkline_http_request_duration_seconds";
const DB = "trunkline_db_query_duration_seconds";
const LIMIT = 20;

/**
 * /metrics after real requests of both dialects, on a fresh server per engine: the request
 * histogram by method, route pattern and status (401, 404, 429 included), the totals derived from
 * it, rate-limit refusals per dialect, the store's statements, process metrics; all of it valid
 * Prometheus text.
 */
for (const engine of ENGINES) {
  describe(`/metrics [${engine}]`, () => {
    let server: TestServer;
    let exotel: ExotelClient;
    let carrier: CarrierClient;
    let trunkSid: string;
    const metrics = async (): Promise<Exposition> => {
      const r = await fetch(`${server.baseUrl}/metrics`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      return parseExposition(await r.text());
    };
    /** The request histogram's _count for a series (0 when absent). */
    const count = (e: Exposition, method: string, route: string, status: number) => e.find(`${HTTP}_count`, { method, route, status_code: String(status) })[0]?.value ?? 0;

    before(async () => {
      server = await startServer(engine, { TRUNKLINE_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
      ({ exotel, carrier } = await server.clients("metricsacct"));
      trunkSid = await exotel.createTrunk("metrics_a");
    });
    after(async () => {
      await server?.close();
    });

    it("times each request by method, route pattern and status code, in both dialects", async () => {
      const trunkRoute = "/v2/accounts/:account_sid/trunks/:trunk_sid";
      const before = await metrics();
      assert.equal(before.types.get(HTTP), "histogram");
      for (let i = 0; i < 3; i++) assert.equal((await exotel.request("GET", `/trunks/${trunkSid}`)).status, 200);
      assert.equal((await exotel.request("GET", "/trunks/TRnosuchtrunk0000000000000000000")).status, 404);
      assert.equal((await carrier.request("GET")).status, 200);
      assert.equal((await send(`${server.baseUrl}/v2/accounts/metricsacct/trunks`, "GET", { headers: { authorization: basicAuth("nobody", "wrong") } })).status, 401);
      assert.equal((await fetch(`${server.baseUrl}/no/such/path/metricsacct`)).status, 404);
      const e = await metrics();

      assert.equal(count(e, "GET", trunkRoute, 200) - count(before, "GET", trunkRoute, 200), 3, "three GETs of the trunk, under the route's pattern");
      assert.equal(count(e, "GET", trunkRoute, 404) - count(before, "GET", trunkRoute, 404), 1, "the unknown trunk: its 404 under the same pattern");
      assert.equal(count(e, "GET", "/carrier/v1/sip_trunks", 200) - count(before, "GET", "/carrier/v1/sip_trunks", 200), 1, "the carrier list");
      assert.equal(count(e, "GET", "/v2/accounts/:account_sid/trunks", 401) - count(before, "GET", "/v2/accounts/:account_sid/trunks", 401), 1, "the bad credentials: 401");
      assert.equal(count(e, "GET", "unmatched", 404) - count(before, "GET", "unmatched", 404), 1, "a path no route matches: route=unmatched");
      // Label sets: exactly method, route, status_code (and le on buckets); no raw URL, no account sid.
      for (const s of e.samples.filter((x) => x.name.startsWith(HTTP))) {
        const names = Object.keys(s.labels).filter((k) => k !== "le").sort();
        assert.deepEqual(names, ["method", "route", "status_code"], JSON.stringify(s.labels));
        assert.ok(!Object.values(s.labels).some((v) => v.includes("metricsacct") || v.includes(trunkSid)), `no account or trunk sid in a label: ${JSON.stringify(s.labels)}`);
      }
      assert.deepEqual(
        e.find(`${HTTP}_bucket`, { method: "GET", route: trunkRoute, status_code: "200" }).map((b) => b.labels.le),
        ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"],
      );
      const sum = e.value(`${HTTP}_sum`, { method: "GET", route: trunkRoute, status_code: "200" });
      assert.ok(sum > 0 && sum < 30, `plausible seconds: ${sum}`);
      // The totals by status code (a name older than the histogram) agree with it.
      assert.equal(e.types.get("trunkline_http_responses_total"), "counter");
      const byCode = (code: string) => e.find(`${HTTP}_count`, { status_code: code }).reduce((n, s) => n + s.value, 0);
      for (const code of ["200", "401", "404"]) assert.equal(e.value("trunkline_http_responses_total", { code }), byCode(code), `responses_total{code="${code}"}`);
    });

    it("counts rate-limit refusals (429) per dialect, and their responses by status", async () => {
      const { exotel: ex, carrier: ca } = await server.clients("metricslimited");
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 2; i++) statuses.push((await ex.request("GET", "/trunks")).status);
      assert.deepEqual(statuses.filter((s) => s === 429).length, 2, `the budget of ${LIMIT} is shared: ${statuses.join(",")}`);
      assert.equal((await ca.request("GET")).status, 429, "the carrier API shares the budget");
      const e = await metrics();
      assert.equal(e.types.get("trunkline_rate_limit_refusals_total"), "counter");
      assert.equal(e.value("trunkline_rate_limit_refusals_total", { dialect: "exotel" }), 2);
      assert.equal(e.value("trunkline_rate_limit_refusals_total", { dialect: "carrier" }), 1);
      assert.equal(e.value("trunkline_rate_limit_refusals_total", { dialect: "exotel_v1" }), 0);
      assert.equal(count(e, "GET", "/v2/accounts/:account_sid/trunks", 429), 2);
      assert.equal(count(e, "GET", "/carrier/v1/sip_trunks", 429), 1);
      assert.equal(e.value("trunkline_http_responses_total", { code: "429" }), 3);
    });

    it("times the store's statements by engine and statement, and counts them", async () => {
      const before = await metrics();
      assert.equal(before.types.get(DB), "histogram");
      assert.equal(before.types.get("trunkline_db_queries_total"), "counter");
      const selects = (e: Exposition) => e.find("trunkline_db_queries_total", { engine, query: "select trunks", result: "ok" })[0]?.value ?? 0;
      const timed = (e: Exposition) => e.find(`${DB}_count`, { engine, query: "select trunks" })[0]?.value ?? 0;
      for (let i = 0; i < 4; i++) assert.equal((await exotel.request("GET", `/trunks/${trunkSid}`)).status, 200);
      assert.equal((await exotel.request("POST", "/trunks", { trunk_name: "metrics_b", nso_code: "ANY-ANY", domain_name: "metricsacct.pstn.exotel.com" })).status, 200);
      const e = await metrics();
      assert.ok(selects(e) - selects(before) >= 4, `a trunk read per GET: ${selects(before)} → ${selects(e)}`);
      assert.equal(timed(e) - timed(before), selects(e) - selects(before), "each counted statement is timed");
      assert.ok((e.find(`${DB}_count`, { engine, query: "insert trunks" })[0]?.value ?? 0) >= 1, "the create's insert");
      // The label is bounded: a verb and a table of the schema (or `raw`), never values.
      for (const s of e.samples.filter((x) => x.name.startsWith(DB) || x.name === "trunkline_db_queries_total")) {
        assert.equal(s.labels.engine, engine);
        assert.match(s.labels.query ?? "", /^(raw|(select|insert|update|delete)( [a-z_]+)?)$/, JSON.stringify(s.labels));
      }
    });

    it("exposes process metrics under their standard names, and keeps the older ones", async () => {
      const e = await metrics();
      for (const [name, type] of [
        ["process_resident_memory_bytes", "gauge"],
        ["process_cpu_seconds_total", "counter"],
        ["nodejs_eventloop_lag_seconds", "gauge"],
        ["nodejs_gc_duration_seconds", "histogram"],
        ["nodejs_heap_used_bytes", "gauge"],
        ["process_uptime_seconds", "gauge"],
        ["trunkline_rate_limiter_degraded", "gauge"],
      ]) {
        assert.equal(e.types.get(name!), type, name);
      }
      assert.ok(e.value("process_resident_memory_bytes") > 1e6);
      assert.equal(e.value("trunkline_rate_limiter_degraded"), 0);
    });
  });
}
