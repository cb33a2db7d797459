import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { edgeOptions } from "../../src/edge/config.js";
import { DestinationHealthCache, parseDispatcherList } from "../../src/edge/health.js";
import { SIP_SOCKET_NAMES } from "../../src/edge/projection.js";
import { renderConfig } from "../../src/edge/render.js";
import type { EdgeRpc } from "../../src/edge/rpc.js";

const options = (env: NodeJS.ProcessEnv = {}) => edgeOptions(loadConfig({}), env);
const param = (cfg: string, name: string) => new RegExp(`^modparam\\("dispatcher", "${name}", "?([^")]*)"?\\)$`, "m").exec(cfg)?.[1];

const target = (uri: string, flags: string, latency = { AVG: 0, STD: 0, EST: 0, MAX: 0, TIMEOUT: 0 }) => ({ DEST: { URI: uri, FLAGS: flags, PRIORITY: 0, LATENCY: latency } });
const LIST = {
  NRSETS: 3,
  RECORDS: [
    // Trunk 2's fallback set (2 × 64): never probed, left out.
    { SET: { ID: 128, TARGETS: [target("sip:trA@10.0.0.1:5060;transport=tcp", "AX"), target("sip:trA@pbx.example.com:5070", "AX")] } },
    { SET: { ID: 129, TARGETS: [target("sip:trA@10.0.0.1:5060;transport=tcp", "AP", { AVG: 3.4, STD: 1, EST: 2.6, MAX: 9, TIMEOUT: 0 }), target("sip:trA@pbx.example.com:5070", "TP")] } },
    { SET: { ID: 130, TARGETS: target("sip:trA@[2001:db8::5]:5061;transport=tls", "IP", { AVG: 0, STD: 0, EST: 0, MAX: 0, TIMEOUT: 4 }) } },
  ],
};

describe("destination health", () => {
  it("probe settings: defaults 10 s, down after 3, up after 2; 0 switches probing off; anything else names the variable", () => {
    assert.deepEqual(options().probe, { intervalSeconds: 10, downAfter: 3, upAfter: 2 });
    const cfg = renderConfig(options({ TRUNKLINE_EDGE_PROBE_INTERVAL: "5", TRUNKLINE_EDGE_PROBE_DOWN_AFTER: "4", TRUNKLINE_EDGE_PROBE_UP_AFTER: "1" }));
    assert.deepEqual(
      ["ds_ping_interval", "ds_probing_threshold", "ds_inactive_threshold", "ds_probing_mode", "ds_ping_latency_stats"].map((n) => param(cfg, n)),
      ["5", "4", "1", "3", "1"],
    );
    assert.equal(param(renderConfig(options({ TRUNKLINE_EDGE_PROBE_INTERVAL: "0" })), "ds_ping_interval"), "0");
    // A timeout (tm's local 408) must never count as an answer; 501 (OPTIONS not implemented) does.
    const codes = param(cfg, "ds_ping_reply_codes") ?? "";
    assert.ok(!codes.split(";").includes("code=408") && !codes.split(";").includes("class=4"), codes);
    assert.ok(codes.split(";").includes("code=501"));
    for (const [name, bad] of [
      ["TRUNKLINE_EDGE_PROBE_INTERVAL", "-1"],
      ["TRUNKLINE_EDGE_PROBE_INTERVAL", "1.5"],
      ["TRUNKLINE_EDGE_PROBE_DOWN_AFTER", "0"],
      ["TRUNKLINE_EDGE_PROBE_UP_AFTER", "x"],
    ] as const) {
      assert.throws(() => options({ [name]: bad }), new RegExp(`${name} must be a positive whole number, got '${bad.replace(".", "\\.")}'`), `${name}=${bad}`);
    }
  });

  it("probes leave from the SIP socket of the destination's transport (named listen sockets)", () => {
    const cfg = renderConfig(options());
    for (const [transport, name] of Object.entries(SIP_SOCKET_NAMES)) assert.match(cfg, new RegExp(`^listen=${transport}:\\S+ name "${name}"$`, "m"));
    assert.match(cfg, /^listen=tcp:127\.0\.0\.1:5071$/m, "the JSON-RPC listener has no name: no probe uses it");
  });

  it("reads dispatcher.list: probed sets only, the trunk from the URI's user, up unless inactive or disabled, RTT once answered", () => {
    assert.deepEqual(
      parseDispatcherList(LIST).map(({ trunkSid, host, port, transport, uri, up, failing, rttMs }) => ({ trunkSid, host, port, transport, uri, up, failing, rttMs })),
      [
        { trunkSid: "trA", host: "10.0.0.1", port: 5060, transport: "tcp", uri: "sip:10.0.0.1:5060;transport=tcp", up: true, failing: false, rttMs: 3 },
        { trunkSid: "trA", host: "pbx.example.com", port: 5070, transport: "udp", uri: "sip:pbx.example.com:5070", up: true, failing: true, rttMs: null },
        { trunkSid: "trA", host: "2001:db8::5", port: 5061, transport: "tls", uri: "sip:[2001:db8::5]:5061;transport=tls", up: false, failing: false, rttMs: null },
      ],
    );
    assert.deepEqual(parseDispatcherList({}), []);
    assert.deepEqual(parseDispatcherList(null), []);
  });

  it("merges edges: up if any edge finds it up, down only if every edge reporting it does, unknown if none does", async () => {
    const fake = (url: string, list: unknown): EdgeRpc => ({ url, call: async () => list, close() {} }) as unknown as EdgeRpc;
    const other = { RECORDS: [{ SET: { ID: 129, TARGETS: [target("sip:trA@10.0.0.1:5060;transport=tcp", "IP"), target("sip:trA@pbx.example.com:5070", "IP")] } }] };
    const cache = new DestinationHealthCache({ edges: () => [{ rpc: fake("http://a/RPC", LIST), name: "10.1.1.1:5060" }, { rpc: fake("http://b/RPC", other), name: "10.1.1.2:5060" }] });
    await cache.refresh();
    const one = cache.of({ trunkSid: "trA", host: "10.0.0.1", port: 5060, transport: "tcp" });
    assert.equal(one.state, "up");
    assert.equal(one.rttMs, 3);
    assert.match(one.checkedAt ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(one.edges.map((e) => [e.edge, e.up]), [["10.1.1.1:5060", true], ["10.1.1.2:5060", false]]);
    assert.equal(cache.of({ trunkSid: "trA", host: "2001:db8::5", port: 5061, transport: "tls" }).state, "down", "down on the only edge probing it");
    assert.equal(cache.of({ trunkSid: "trA", host: "PBX.example.com", port: 5070, transport: "udp" }).state, "up", "host names compare case-insensitively");
    assert.equal(cache.of({ trunkSid: "trB", host: "10.0.0.1", port: 5060, transport: "tcp" }).state, "unknown", "another trunk's destination on the same host is its own");
    assert.deepEqual(
      cache.perEdge().map((e) => `${e.edge} ${e.trunkSid} ${e.destination} ${e.up ? 1 : 0}`),
      [
        "10.1.1.1:5060 trA sip:10.0.0.1:5060;transport=tcp 1",
        "10.1.1.1:5060 trA sip:[2001:db8::5]:5061;transport=tls 0",
        "10.1.1.1:5060 trA sip:pbx.example.com:5070 1",
        "10.1.1.2:5060 trA sip:10.0.0.1:5060;transport=tcp 0",
        "10.1.1.2:5060 trA sip:pbx.example.com:5070 0",
      ],
    );
  });
});
