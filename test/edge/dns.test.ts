import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { EdgeRpc } from "../../src/edge/rpc.js";
import { selfSignedCertificate } from "../../src/edge/tls.js";
import type { CarrierClient } from "../helpers/carrierClient.js";
import { freePort } from "../helpers/process.js";
import { expectCall } from "./assertions.js";
import { describeEdge } from "./harness.js";
import { addHosts, unresolvable } from "./hosts.js";
import { Provision } from "./provision.js";
import { startPbx, type Pbx, type Transport } from "./sipPbx.js";
import { call } from "./sipp.js";

// Edge on 127.0.74.1; callers on 127.0.75.x; PBXs (Node sockets) on 127.0.74.1xx, reached by
// names this file adds to /etc/hosts (and removes after).

const hosts = addHosts({ tcp: "127.0.74.101", tls: "127.0.74.102", udp: "127.0.74.103" });
const certDir = mkdtempSync(join(tmpdir(), "tl-pbx-dns-"));
const certificate = selfSignedCertificate(join(certDir, "pbx"));
after(() => {
  hosts.remove();
  rmSync(certDir, { recursive: true, force: true });
});

describeEdge("SIP edge: destination host names, resolved when a call is routed", "127.0.74.1", (stack) => {
  let p: Provision;
  let carrier: CarrierClient;
  let rpc: EdgeRpc;
  const pbxs: Pbx[] = [];
  const pbx = async (ip: string, transport: Transport) => {
    const made = await startPbx(ip, await freePort(), transport, { certificate });
    pbxs.push(made);
    return made;
  };
  const port = (pbx: Pbx) => pbx.address.split(":")[1] as string;
  const dial = (number: string, expect = 200) => call({ edge: stack().edge, from: "127.0.75.5", number }, { expect });

  before(async () => {
    const s = stack();
    const clients = await s.server.clients(`dns${s.engine}`);
    p = new Provision(clients.exotel);
    carrier = clients.carrier;
    await p.allow(await p.trunk("callers"), "127.0.75.0", 24);
    await s.settled();
    rpc = new EdgeRpc(`http://127.0.0.1:${s.options.rpcPort}/RPC`);
  });
  after(async () => {
    rpc?.close();
    for (const made of pbxs) await made.stop();
  });

  it("loads a name that does not resolve without failing the reload, and fails a call over from it to the next destination", async () => {
    const bad = unresolvable();
    const target = await pbx("127.0.74.101", "tcp");
    const t = await p.trunk("by_name");
    await p.destinations(t, [
      { destination: `${bad}:5060;transport=tcp`, priority: 1 },
      { destination: `${hosts.names.tcp}:${port(target)};transport=tcp`, priority: 2 },
    ]);
    await p.map(t, "+919800000741");
    // Throws (after 15 s) if the edge failed dispatcher.reload.
    await stack().settled();
    const listed = JSON.stringify(await rpc.call("dispatcher.list"));
    assert.ok(listed.includes(bad) && listed.includes(hosts.names.tcp), "both names are in the edge's destination list");

    expectCall(await dial("+919800000741"), "the call fails over to the name that resolves");
    const [invite] = target.requests();
    assert.equal(invite?.line, `INVITE sip:+919800000741@${hosts.names.tcp}:${port(target)};transport=tcp SIP/2.0`, "the Request-URI names the destination by its name");
    assert.equal(invite?.peer.split(":")[0], "127.0.74.1", "the edge connected to the address the name resolves to");
  });

  it("answers 503 at once when the only destination does not resolve, and keeps routing every other trunk", async () => {
    const t = await p.trunk("nowhere");
    await p.destinations(t, [{ destination: `${unresolvable()}:5061;transport=tls` }]);
    await p.map(t, "+919800000742");
    await stack().settled();
    const started = Date.now();
    expectCall(await dial("+919800000742", 503), "no destination left");
    assert.ok(Date.now() - started < 8000, `answered within the DNS timeout, not the transaction timer: ${Date.now() - started} ms`);
    expectCall(await dial("+919800000741"), "the trunk by name still routes");
  });

  it("reaches a transport=tls destination by name (the Exotel reference's FQDN form) and a carrier outbound_host by name over UDP", async () => {
    const tls = await pbx("127.0.74.102", "tls");
    const t = await p.trunk("tls_name");
    await p.destinations(t, [{ destination: `${hosts.names.tls}:${port(tls)};transport=tls` }]);
    await p.map(t, "+919800000743");
    const udp = await pbx("127.0.74.103", "udp");
    const made = await carrier.create({ name: "udp_name", authentication_mode: "ip_address", region: "ap-south-1", outbound_host: `${hosts.names.udp}:${port(udp)}`, outbound_route_prefixes: ["447700"] });
    assert.equal(made.status, 201, made.text);
    await stack().settled();

    expectCall(await dial("+919800000743"), "TLS destination by name");
    assert.deepEqual(tls.requests().map((r) => r.method), ["INVITE", "ACK", "BYE"], stack().log().split("\n").filter((l) => / (ERROR|WARNING|CRITICAL): /.test(l) && !/rev\. resolve|ongoing reload/.test(l)).slice(-15).join("\n"));
    assert.equal(tls.requests()[0]?.line, `INVITE sip:+919800000743@${hosts.names.tls}:${port(tls)};transport=tls SIP/2.0`);
    expectCall(await dial("+447700900744"), "carrier outbound_host by name");
    assert.deepEqual(udp.requests().map((r) => r.method), ["INVITE", "ACK", "BYE"]);
    assert.equal(udp.requests()[0]?.line, `INVITE sip:447700900744@${hosts.names.udp}:${port(udp)} SIP/2.0`);
  });

  it("resolves at call time: a name added to /etc/hosts after the destination was loaded is reached without a reload", async () => {
    const late = addHosts({ late: "127.0.74.105" });
    late.remove(); // the name exists, but does not resolve yet
    const target = await pbx("127.0.74.105", "tcp");
    const t = await p.trunk("late_name");
    await p.destinations(t, [{ destination: `${late.names.late}:${port(target)};transport=tcp` }]);
    await p.map(t, "+919800000745");
    await stack().settled();
    expectCall(await dial("+919800000745", 503), "before the name resolves");
    const again = addHosts({ late: "127.0.74.105" }, late.names);
    try {
      expectCall(await dial("+919800000745"), "once it resolves, with no change pushed to the edge");
    } finally {
      again.remove();
    }
    assert.equal(target.requests()[0]?.method, "INVITE");
  });
});
