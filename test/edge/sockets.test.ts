import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import type { CarrierClient } from "../helpers/carrierClient.js";
import { freePort } from "../helpers/process.js";
import { selfSignedCertificate } from "../../src/edge/tls.js";
import { expectCall } from "./assertions.js";
import { describeEdge, type EdgeStack } from "./harness.js";
import { addHosts } from "./hosts.js";
import { Provision } from "./provision.js";
import { recordRoutes, startPbx, uriTarget, type Pbx, type Transport } from "./sipPbx.js";
import { call, type CallResult } from "./sipp.js";
import { headerValues } from "./sipTls.js";

// Edge on 127.0.64.1 (and, advertising a public name, 127.0.66.1); callers (sipp over UDP) on
// 127.0.65.x / 127.0.67.x, a digest caller on 127.0.69.9; PBXs (Node sockets, see sipPbx.ts) on 127.0.64.1xx / 127.0.66.1xx.

const certDir = mkdtempSync(join(tmpdir(), "tl-pbx-sock-"));
const pbxCertificate = selfSignedCertificate(join(certDir, "pbx"));
// The advertised address: a name the PBX resolves (here through /etc/hosts) to the edge.
const hosts = addHosts({ public: "127.0.66.1" });
after(() => {
  hosts.remove();
  rmSync(certDir, { recursive: true, force: true });
});

/** The edge's SIP socket (ip:port) a leg of `transport` leaves from. */
const socketOf = (s: EdgeStack, transport: Transport) => (transport === "tls" ? s.edgeTls : s.edge);

/** A caller trunk admitting `callers`/24, and PBX trunks reached over UDP (carrier API), TCP and TLS (Exotel API). */
function socketSuite(stack: () => EdgeStack, site: string, callers: string) {
  let p: Provision;
  let carrier: CarrierClient;
  const pbxs: Pbx[] = [];
  before(async () => {
    const s = stack();
    const clients = await s.server.clients(`sock${site.replaceAll(".", "")}${s.engine}`);
    p = new Provision(clients.exotel);
    carrier = clients.carrier;
    await p.allow(await p.trunk("callers"), `${callers}.0`, 24);
    await s.settled();
  });
  after(async () => {
    for (const pbx of pbxs) await pbx.stop();
  });
  return {
    provision: () => p,
    async pbx(host: number, transport: Transport): Promise<Pbx> {
      const pbx = await startPbx(`${site}.${host}`, await freePort(), transport, { certificate: pbxCertificate, hangUpAfterMs: 200 });
      pbxs.push(pbx);
      return pbx;
    },
    /**
     * Routes `number` to `pbx` and calls it from a caller over UDP; the PBX hangs up. UDP PBXs
     * are a carrier trunk's outbound_host reached by a call out (the Exotel API takes tcp and tls
     * destinations only); the others hold the number.
     */
    async callTo(pbx: Pbx, number: string): Promise<CallResult> {
      if (pbx.transport === "udp") {
        const digits = number.replace(/^\+/, "");
        const made = await carrier.create({ name: `udp${digits.slice(-4)}`, authentication_mode: "ip_address", region: "ap-south-1", outbound_host: pbx.address, outbound_route_prefixes: [digits.slice(0, 6)] });
        assert.equal(made.status, 201, made.text);
      } else {
        const t = await p.trunk(`t${number.slice(-4)}`);
        await p.destinations(t, [{ destination: `${pbx.address};transport=${pbx.transport}` }]);
        await p.map(t, number);
      }
      await stack().settled();
      return call({ edge: stack().edge, from: `${callers}.5`, number }, { expect: 200, byeFromCallee: true });
    },
  };
}

describeEdge("SIP edge sockets: each leg from the SIP socket of its transport", "127.0.64.1", (stack) => {
  const suite = socketSuite(stack, "127.0.64", "127.0.65");

  const cases: Array<{ transport: Transport; host: number; number: string }> = [
    { transport: "udp", host: 101, number: "+447700900641" },
    { transport: "tcp", host: 102, number: "+919800000642" },
    { transport: "tls", host: 103, number: "+919800000643" },
  ];
  for (const { transport, host, number } of cases) {
    it(`${transport} destination: Via and Record-Route name the edge's ${transport} SIP socket, the Request-URI the destination; the PBX's BYE reaches the edge`, async () => {
      const s = stack();
      const pbx = await suite.pbx(host, transport);
      expectCall(await suite.callTo(pbx, number), "answered, and the caller got the PBX's BYE and answered it");
      const edgeSocket = socketOf(s, transport);

      const requests = pbx.requests();
      assert.deepEqual(requests.map((r) => r.method), ["INVITE", "ACK"]);
      const invite = requests[0]?.text ?? "";
      const user = transport === "udp" ? number.slice(1) : number; // a call out dials the digits
      const params = transport === "udp" ? "" : `;transport=${transport}`;
      assert.equal(requests[0]?.line, `INVITE sip:${user}@${pbx.address}${params} SIP/2.0`, "the Request-URI names the destination");
      const via = headerValues(invite, "Via")[0] ?? "";
      assert.match(via, new RegExp(`^SIP/2\\.0/${transport.toUpperCase()} ${edgeSocket.replaceAll(".", "\\.")};`), "top Via: the edge's socket of this transport");
      const [rr] = recordRoutes(invite);
      const target = uriTarget(rr ?? "");
      assert.deepEqual(target, { ...target, host: edgeSocket.split(":")[0], port: Number(edgeSocket.split(":")[1]), transport }, `first Record-Route: ${rr}`);
      for (const r of requests) assert.ok(!r.text.includes(`:${s.options.rpcPort}`), `nothing names the JSON-RPC port ${s.options.rpcPort}:\n${r.text}`);
      if (transport === "udp") assert.equal(requests[0]?.peer, s.edge, "sent from the SIP socket");

      assert.deepEqual(
        (await pbx.hangUps()).map((h) => ({ to: h.to, status: h.status })),
        [{ to: edgeSocket, status: 200 }],
        "the PBX's BYE, sent to the Record-Route address, was answered 200 (by the caller, through the edge)",
      );
    });
  }

  it("no credentials cross: the PBX gets no Proxy-Authorization or Authorization in INVITE, ACK or BYE", async () => {
    const s = stack();
    const p = suite.provision();
    const pbx = await suite.pbx(104, "tcp");
    const t = await p.trunk("cred_target");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(t, "+919800000644");
    const cred = await p.credentials(await p.trunk("cred_caller"));
    await s.settled();
    // The caller id in the From user, the credential's username only as the auth user, and the
    // credentials repeated in the ACK and BYE (some PBXs do).
    const result = await call(
      { edge: s.edge, from: "127.0.69.9", number: "+919800000644", caller: "+919812345678", auth: { user: cred.username, password: cred.password }, trace: true },
      { expect: 200, auth: true, authInDialog: true },
    );
    expectCall(result, "digest call");
    const sent = (method: string) =>
      (result.messages ?? "").split(/-{20,}/).filter((m) => new RegExp(`^\\s*(?:UDP|TCP) message sent[^\\n]*\\n+${method} `, "m").test(m));
    for (const method of ["ACK", "BYE"]) assert.match(sent(method).join("\n"), /^Proxy-Authorization: Digest /m, `the caller did send credentials in its ${method}`);
    const requests = pbx.requests();
    assert.deepEqual(requests.map((r) => r.method), ["INVITE", "ACK", "BYE"]);
    for (const r of requests) {
      assert.deepEqual(headerValues(r.text, "Proxy-Authorization"), [], `${r.method}: no Proxy-Authorization`);
      assert.deepEqual(headerValues(r.text, "Authorization"), [], `${r.method}: no Authorization`);
    }
    assert.match(headerValues(requests[0]?.text ?? "", "From")[0] ?? "", /sip:\+919812345678@/, "the caller id reaches the PBX");
  });
});

describeEdge(
  "SIP edge sockets behind NAT: TRUNKLINE_EDGE_ADVERTISE",
  "127.0.66.1",
  (stack) => {
    const suite = socketSuite(stack, "127.0.66", "127.0.67");

    for (const { transport, host, number } of [
      { transport: "udp" as const, host: 101, number: "+447700900661" },
      { transport: "tcp" as const, host: 102, number: "+919800000662" },
    ]) {
      it(`${transport}: Via and Record-Route name the advertised host at the SIP port; the PBX's BYE to it reaches the edge`, async () => {
        const s = stack();
        const pbx = await suite.pbx(host, transport);
        expectCall(await suite.callTo(pbx, number), "answered and torn down by the PBX");
        const invite = pbx.requests()[0]?.text ?? "";
        const port = s.options.sipPort;
        assert.match(headerValues(invite, "Via")[0] ?? "", new RegExp(`^SIP/2\\.0/${transport.toUpperCase()} ${hosts.names.public.replaceAll(".", "\\.")}:${port};`));
        const target = uriTarget(recordRoutes(invite)[0] ?? "");
        assert.deepEqual(target, { host: hosts.names.public, port, transport });
        const edgeHeaders = [...headerValues(invite, "Record-Route"), headerValues(invite, "Via")[0] ?? ""];
        assert.ok(!edgeHeaders.some((h) => h.includes("127.0.66.1:")), `the listen address is not named: ${edgeHeaders.join(" | ")}`);
        assert.deepEqual((await pbx.hangUps()).map((h) => ({ to: h.to, status: h.status })), [{ to: `${hosts.names.public}:${port}`, status: 200 }]);
      });
    }
  },
  { TRUNKLINE_EDGE_ADVERTISE: hosts.names.public },
);
