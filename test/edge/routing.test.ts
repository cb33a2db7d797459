import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, it } from "node:test";
import type { CarrierClient } from "../helpers/carrierClient.js";
import { freePort } from "../helpers/process.js";
import { describeEdge } from "./harness.js";
import { Provision } from "./provision.js";
import { expectCall, header, ruriUser } from "./assertions.js";
import { call, startUas, type CallOptions, type Uas, type UacScenario } from "./sipp.js";

// Edge on 127.0.20.1; callers on 127.0.21-23.x; PBXs (sipp UASs) on 127.0.20.1xx.

describeEdge("SIP edge routing", "127.0.20.1", (stack) => {
  let p: Provision;
  let carrier: CarrierClient;
  const uases: Uas[] = [];
  let silent: Server | undefined;
  const silentSockets = new Set<Socket>();
  const uas = async (host: string, answer = 200, transport: "udp" | "tcp" = "tcp") => {
    const u = await startUas(host, await freePort(), answer, transport);
    uases.push(u);
    return u;
  };
  const dial = (number: string, scenario: UacScenario = { expect: 200 }, extra: Partial<CallOptions> = {}) =>
    call({ edge: stack().edge, from: "127.0.21.5", number, ...extra }, scenario);

  before(async () => {
    const s = stack();
    const clients = await s.server.clients(`rt${s.engine}`);
    p = new Provision(clients.exotel);
    carrier = clients.carrier;
    const src = await p.trunk("caller_pbx");
    await p.allow(src, "127.0.21.0", 24);
    await s.settled();
  });
  after(async () => {
    for (const u of uases) await u.stop();
    for (const socket of silentSockets) socket.destroy();
    await new Promise<void>((r) => (silent ? silent.close(() => r()) : r()));
  });

  it("relays a number in pstn mode (or no mode) to its trunk's destination, over TCP", async () => {
    const pbx = await uas("127.0.20.101");
    const t = await p.trunk("pstn_trunk");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(t, "+919800000201", "pstn");
    await p.map(t, "+919800000202");
    await stack().settled();
    expectCall(await dial("+919800000201"), "pstn mode");
    expectCall(await dial("919800000202"), "no mode, dialled without +");
    assert.deepEqual(pbx.invites().map(ruriUser), ["+919800000201", "919800000202"]);
  });

  it("tries the lowest priority first, fails over on 5xx and on timeout", async () => {
    const high = await uas("127.0.20.111");
    const failing = await uas("127.0.20.112", 503);
    const last = await uas("127.0.20.113");
    // Accepts TCP and never answers: the edge's timer fires (408) and it fails over.
    const silentPort = await freePort();
    silent = createServer((socket) => silentSockets.add(socket)).listen(silentPort, "127.0.20.114");
    const t = await p.trunk("failover_trunk");
    await p.destinations(t, [
      { destination: `${high.address};transport=tcp`, priority: 9 },
      { destination: `${failing.address};transport=tcp`, priority: 1 },
      { destination: `127.0.20.114:${silentPort};transport=tcp`, priority: 2 },
      { destination: `${last.address};transport=tcp`, priority: 3 },
    ]);
    await p.map(t, "+919800000211");
    await stack().settled();
    expectCall(await dial("+919800000211"), "failover call");
    assert.equal(failing.invites().length, 1, "priority 1 tried first");
    assert.equal(last.invites().length, 1, "after 503 and a timeout, priority 3 answered");
    assert.equal(high.invites().length, 0, "priority 9 never needed");
  });

  it("spreads calls by weight among equal priorities", async () => {
    const light = await uas("127.0.20.121");
    const heavy = await uas("127.0.20.122");
    const t = await p.trunk("weighted_trunk");
    await p.destinations(t, [
      { destination: `${light.address};transport=tcp`, priority: 0, weight: 1 },
      { destination: `${heavy.address};transport=tcp`, priority: 0, weight: 4 },
    ]);
    await p.map(t, "+919800000221");
    await stack().settled();
    expectCall(await dial("+919800000221", { expect: 200, holdMs: 10 }, { calls: 50, limit: 10, rate: 100 }), "50 weighted calls");
    const [l, h] = [light.invites().length, heavy.invites().length];
    assert.equal(l + h, 50);
    assert.ok(h > 2 * l && l >= 1, `weight 4 should carry most calls and weight 1 some: ${h} vs ${l}`);
  });

  it("relays a number in flow mode to the region's flow application URI", async () => {
    const flow = stack().flow;
    const t = await p.trunk("flow_trunk");
    await p.map(t, "+919800000231", "flow");
    await stack().settled();
    expectCall(await dial("+919800000231"), "flow call");
    const invites = flow.invites();
    assert.equal(invites.length, 1);
    assert.match(invites[0] as string, /^INVITE sip:flow@/);
    assert.match(header(invites[0] as string, "To") ?? "", /919800000231/);
  });

  it("answers 404 for a number the platform does not hold and no trunk of the caller carries", async () => {
    const lonely = new Provision(await stack().server.account(`lonely${stack().engine}`));
    const t = await lonely.trunk("lonely");
    await lonely.allow(t, "127.0.22.5", 32);
    await stack().settled();
    expectCall(await dial("+919800000299", { expect: 404 }, { from: "127.0.22.5" }), "unmapped number");
  });

  it("calls out over the trunk with the longest route prefix, with its dial string and caller id", async () => {
    // The carrier API's outbound_host is a UDP destination.
    const kh = await uas("127.0.20.131", 200, "udp");
    const kh7 = await uas("127.0.20.132", 200, "udp");
    const created = await carrier.create({
      name: "out_kh",
      authentication_mode: "ip_address",
      region: "ap-south-1",
      outbound_host: kh.address,
      outbound_route_prefixes: ["855"],
      inbound_country: "KH",
      outbound_national_dialing: true,
      outbound_dial_string_prefix: "1234",
      outbound_plus_prefix: true,
      default_sender: "+919812345678",
    });
    assert.equal(created.status, 201, created.text);
    const created7 = await carrier.create({ name: "out_kh7", authentication_mode: "ip_address", region: "ap-south-1", outbound_host: kh7.address, outbound_route_prefixes: ["8557"] });
    assert.equal(created7.status, 201, created7.text);
    await stack().settled();

    expectCall(await dial("+855612345678", { expect: 200 }, { caller: "200" }), "call out on prefix 855");
    expectCall(await dial("855716100987", { expect: 200 }, { caller: "201" }), "call out on prefix 8557");
    const [viaKh] = kh.invites();
    assert.equal(ruriUser(viaKh as string), "+12340612345678", "national format for KH, then prefix, then +");
    assert.match(header(viaKh as string, "From") ?? "", /sip:\+919812345678@/);
    assert.match(header(viaKh as string, "P-Asserted-Identity") ?? "", /sip:\+919812345678@/);
    const [viaKh7] = kh7.invites();
    assert.equal(ruriUser(viaKh7 as string), "855716100987", "digits as dialled");
    assert.match(header(viaKh7 as string, "From") ?? "", /sip:201@/, "no alias: caller id untouched");
  });

  it("refuses calls past a trunk's max_channels with 503", async () => {
    const pbx = await uas("127.0.20.141");
    const limited = await carrier.create({ name: "limited", authentication_mode: "ip_address", region: "ap-south-1", inbound_source_ips: ["127.0.23.5"], max_channels: 2 });
    assert.equal(limited.status, 201, limited.text);
    const t = await p.trunk("busy_target");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(t, "+919800000241");
    await stack().settled();
    const held = dial("+919800000241", { expect: 200, holdMs: 2500 }, { from: "127.0.23.5", calls: 2, limit: 2, rate: 50 });
    await new Promise((r) => setTimeout(r, 1000));
    expectCall(await dial("+919800000241", { expect: 503 }, { from: "127.0.23.5" }), "third concurrent call");
    expectCall(await held, "the two calls within the limit");
    expectCall(await dial("+919800000241", { expect: 200 }, { from: "127.0.23.5" }), "a call once the others hung up");
  });

  it("reports the edge's sync state on /readyz and /metrics, and reconciles changes made while it was down", async () => {
    const base = stack().server.baseUrl;
    const state = async () => {
      // Metrics first: while the edge is down its state only worsens, so /readyz agrees with them.
      const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
      const ready = await fetch(`${base}/readyz`);
      const inSync = /^trunkline_edge_in_sync\{edge="http:\/\/127\.0\.0\.1:\d+\/RPC"\} ([01])$/m.exec(metrics)?.[1];
      const failures = /^trunkline_edge_update_failures_total\{edge="[^"]+"\} (\d+)$/m.exec(metrics)?.[1];
      assert.equal(ready.status, 200, "out of step or not, the API stays ready");
      const body = (await ready.json()) as { checks: { edges?: string } };
      return { edges: body.checks.edges, inSync, failures: Number(failures) };
    };
    const pbx = await uas("127.0.20.161");
    const t = await p.trunk("while_down");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await stack().settled();
    const before = await state();
    assert.deepEqual({ edges: before.edges, inSync: before.inSync }, { edges: "ok", inSync: "1" });

    await stack().stopEdge();
    try {
      await p.map(t, "+919800000261");
      const deadline = Date.now() + 10_000;
      let down = await state();
      while ((down.inSync !== "0" || down.edges !== "degraded" || down.failures <= before.failures) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        down = await state();
      }
      assert.equal(down.edges, "degraded");
      assert.equal(down.inSync, "0");
      assert.ok(down.failures > before.failures, "the failed update is counted");
    } finally {
      await stack().startEdge();
    }
    const back = await state();
    assert.deepEqual({ edges: back.edges, inSync: back.inSync }, { edges: "ok", inSync: "1" });
    expectCall(await dial("+919800000261"), "a number mapped while the edge was down");
    assert.equal(pbx.invites().length, 1);
  });

  it("keeps routing provisioned calls with the API server stopped, and after the edge restarts", async () => {
    const pbx = await uas("127.0.20.151");
    const t = await p.trunk("survivor");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(t, "+919800000251");
    await stack().settled();
    await stack().stopApi();
    expectCall(await dial("+919800000251"), "API server down");
    await stack().restartEdge();
    expectCall(await dial("+919800000251"), "API server down, edge restarted");
    expectCall(await dial("+919800000299", { expect: 404 }, { from: "127.0.22.5" }), "still 404 for an unknown number");
    assert.equal(pbx.invites().length, 2);
  });
});
