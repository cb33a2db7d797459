import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { certificateFiles, selfSignedCertificate, type CertificateFiles } from "../../src/edge/tls.js";
import { freePort } from "../helpers/process.js";
import { describeEdge, type EdgeStack } from "./harness.js";
import { Provision } from "./provision.js";
import { expectCall } from "./assertions.js";
import { call, type CallResult, type UacScenario } from "./sipp.js";
import { headerValues, startTlsUas, tlsRequest, type TlsUas } from "./sipTls.js";
import { startPbx, type Pbx } from "./sipPbx.js";

// Edges on 127.0.40.1, (verifying certificates) 127.0.42.1 and (with a certificate from a test
// CA) 127.0.72.1, each with SIP and TLS sockets; callers on 127.0.41.x, 127.0.43.x and
// 127.0.73.x; PBXs (Node TLS UASs) on 127.0.40.1xx, 127.0.42.1xx and 127.0.72.1xx.

// The PBXs' certificates are self-signed, as PBXs' commonly are; only `trusted` is in the
// verifying edge's CA list.
const certDir = mkdtempSync(join(tmpdir(), "tl-pbx-tls-"));
const untrusted = selfSignedCertificate(join(certDir, "untrusted"));
const trusted = selfSignedCertificate(join(certDir, "trusted"));
after(() => rmSync(certDir, { recursive: true, force: true }));

/** The name in the test CA's certificate for the edge on 127.0.72.1 (and that address). */
const EDGE_NAME = "edge.tl-test.example";

/**
 * A test CA and a certificate it issued for the edge (SAN: EDGE_NAME and 127.0.72.1), made with
 * the openssl CLI, as an operator would get one for TRUNKLINE_EDGE_TLS_CERT / _KEY.
 */
function testCa(dir: string): { ca: string; cert: string; key: string } {
  mkdirSync(dir);
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => {
    const run = spawnSync("openssl", args, { encoding: "utf8" });
    if (run.error || run.status !== 0) throw new Error(`openssl ${args[0]} failed (install openssl): ${run.error?.message ?? run.stderr}`);
  };
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=trunkline test CA", "-keyout", f("ca.key"), "-out", f("ca.pem"),
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${EDGE_NAME}`, "-keyout", f("edge.key"), "-out", f("edge.csr"));
  writeFileSync(f("ext.cnf"), `subjectAltName=DNS:${EDGE_NAME},IP:127.0.72.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n`);
  openssl("x509", "-req", "-in", f("edge.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "2", "-out", f("edge.pem"), "-extfile", f("ext.cnf"));
  return { ca: f("ca.pem"), cert: f("edge.pem"), key: f("edge.key") };
}
const issued = testCa(join(certDir, "test-ca"));

/** A trunk admitting callers from `callers`/24, TLS PBXs stopped after the suite, and a dialer. */
function tlsSuite(stack: () => EdgeStack, callers: string) {
  let p: Provision | undefined;
  const uases: TlsUas[] = [];
  before(async () => {
    const s = stack();
    p = new Provision(await s.server.account(`tls${callers.replaceAll(".", "")}${s.engine}`));
    await p.allow(await p.trunk("caller_pbx"), `${callers}.0`, 24);
    await s.settled();
  });
  after(async () => {
    for (const u of uases) await u.stop();
  });
  return {
    async pbx(host: string, certificate: CertificateFiles): Promise<TlsUas> {
      const u = await startTlsUas(host, await freePort(), certificate);
      uases.push(u);
      return u;
    },
    /** Gives a new trunk these destinations and number, and calls the number over UDP. */
    async callVia(number: string, destinations: Array<{ destination: string; priority?: number }>, scenario: UacScenario = { expect: 200 }): Promise<CallResult> {
      if (!p) throw new Error("the suite's account was not provisioned");
      const t = await p.trunk(`t${number.slice(-4)}`);
      await p.destinations(t, destinations);
      await p.map(t, number);
      await stack().settled();
      return call({ edge: stack().edge, from: `${callers}.5`, number }, scenario);
    },
  };
}

describeEdge("SIP edge TLS destinations", "127.0.40.1", (stack) => {
  const suite = tlsSuite(stack, "127.0.41");
  let plain: Server | undefined;
  after(async () => {
    await new Promise<void>((r) => (plain ? plain.close(() => r()) : r()));
  });

  it("relays a UDP caller's call to a transport=tls destination over TLS, through ACK and BYE", async () => {
    const uas = await suite.pbx("127.0.40.101", untrusted);
    expectCall(await suite.callVia("+919800000401", [{ destination: `${uas.address};transport=tls` }]), "call to a TLS destination");

    const requests = uas.requests();
    assert.deepEqual(requests.map((r) => r.method), ["INVITE", "ACK", "BYE"], "the whole dialog reached the PBX");
    assert.deepEqual(
      requests.map((r) => `${r.peer} #${r.connection}`),
      ["127.0.40.1 #1", "127.0.40.1 #1", "127.0.40.1 #1"],
      "every request came over one TLS connection from the edge's address",
    );
    const invite = requests[0]?.text ?? "";
    assert.match(headerValues(invite, "Via")[0] ?? "", new RegExp(`^SIP/2\\.0/TLS ${stack().edgeTls.replaceAll(".", "\\.")};`), "top Via: the edge's TLS socket");
    assert.ok(
      headerValues(invite, "Record-Route").some((rr) => rr.includes(stack().edgeTls) && /transport=tls/i.test(rr)),
      `the edge record-routes the PBX's side over TLS: ${headerValues(invite, "Record-Route").join(" | ")}`,
    );
  });

  it("answers callers on its TLS socket with the self-signed certificate it made", async () => {
    const edgeTls = stack().edgeTls;
    const options = [
      `OPTIONS sip:ping@${edgeTls};transport=tls SIP/2.0`,
      "Via: SIP/2.0/TLS 127.0.41.6:5061;branch=z9hG4bK-tls-options-1;rport",
      "From: <sip:probe@127.0.41.6>;tag=probe1",
      `To: <sip:ping@${edgeTls}>`,
      "Call-ID: tls-options-1@127.0.41.6",
      "CSeq: 1 OPTIONS",
      "Max-Forwards: 70",
      "Content-Length: 0",
    ];
    const { response, certificate } = await tlsRequest("127.0.41.6", edgeTls, `${options.join("\r\n")}\r\n\r\n`);
    assert.match(response, /^SIP\/2\.0 200 /);
    const made = new X509Certificate(readFileSync(certificateFiles(stack().options.tls).cert));
    assert.equal(certificate.fingerprint256, made.fingerprint256, "the certificate in the edge's TLS dir");
    assert.match(made.subject, /CN=trunkline-edge/);
  });

  it("fails over from a tls destination with nothing listening, and from one not speaking TLS", async () => {
    const closedPort = await freePort(); // nothing listens on 127.0.40.111
    const plainPort = await freePort();
    let plainConnections = 0;
    // Accepts TCP and hangs up: the TLS handshake fails.
    plain = createServer((socket) => {
      plainConnections++;
      socket.destroy();
    }).listen(plainPort, "127.0.40.112");
    const uas = await suite.pbx("127.0.40.113", untrusted);
    const result = await suite.callVia("+919800000411", [
      { destination: `127.0.40.111:${closedPort};transport=tls`, priority: 1 },
      { destination: `127.0.40.112:${plainPort};transport=tls`, priority: 2 },
      { destination: `${uas.address};transport=tls`, priority: 3 },
    ]);
    expectCall(result, "failover call");
    assert.ok(plainConnections >= 1, "priority 2 was tried after priority 1");
    assert.equal(uas.invites().length, 1, "priority 3 answered");
  });
});

describeEdge(
  "SIP edge TLS destinations, verifying certificates",
  "127.0.42.1",
  (stack) => {
    const suite = tlsSuite(stack, "127.0.43");

    it("passes over a destination whose certificate does not verify for one whose does", async () => {
      const unverified = await suite.pbx("127.0.42.101", untrusted);
      const verified = await suite.pbx("127.0.42.102", trusted);
      const result = await suite.callVia("+919800000421", [
        { destination: `${unverified.address};transport=tls`, priority: 1 },
        { destination: `${verified.address};transport=tls`, priority: 2 },
      ]);
      expectCall(result, "call with certificate verification on");
      assert.ok(unverified.failedHandshakes() >= 1, "the edge tried the priority 1 PBX");
      assert.equal(unverified.requests().length, 0, "and sent it nothing: its certificate is not in the CA list");
      assert.deepEqual(verified.requests().map((r) => r.method), ["INVITE", "ACK", "BYE"]);
    });
  },
  { TRUNKLINE_EDGE_TLS_VERIFY: "1", TRUNKLINE_EDGE_TLS_CA: trusted.cert },
);

describeEdge(
  "SIP edge TLS with a certificate from a CA (TRUNKLINE_EDGE_TLS_CERT)",
  "127.0.72.1",
  (stack) => {
    const suite = tlsSuite(stack, "127.0.73");
    const verify = { ca: readFileSync(issued.ca), servername: EDGE_NAME };
    let pbx: Pbx | undefined;
    after(async () => {
      await pbx?.stop();
    });
    const options = (n: number) =>
      [
        `OPTIONS sip:ping@${EDGE_NAME};transport=tls SIP/2.0`,
        `Via: SIP/2.0/TLS 127.0.73.6:5061;branch=z9hG4bK-ca-options-${n};rport`,
        `From: <sip:probe@127.0.73.6>;tag=ca${n}`,
        `To: <sip:ping@${EDGE_NAME}>`,
        `Call-ID: ca-options-${n}@127.0.73.6`,
        `CSeq: ${n} OPTIONS`,
        "Max-Forwards: 70",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n");

    it("a client verifying the certificate against the CA, for the edge's name, connects and is answered", async () => {
      const { response, certificate } = await tlsRequest("127.0.73.6", stack().edgeTls, options(1), verify);
      assert.match(response, /^SIP\/2\.0 200 /);
      assert.equal(certificate.fingerprint256, new X509Certificate(readFileSync(issued.cert)).fingerprint256, "the configured certificate, not a generated one");
      // The same client refuses what it cannot verify: the name must match, the CA must be known.
      await assert.rejects(tlsRequest("127.0.73.6", stack().edgeTls, options(2), { ...verify, servername: "other.tl-test.example" }), /does not match|altnames/i);
      await assert.rejects(tlsRequest("127.0.73.6", stack().edgeTls, options(3), { ca: readFileSync(trusted.cert), servername: EDGE_NAME }), /certificate/i);
    });

    it("a PBX verifying the edge's certificate hangs up over TLS to the edge's Record-Route", async () => {
      pbx = await startPbx("127.0.72.101", await freePort(), "tls", { certificate: untrusted, hangUpAfterMs: 200, verify });
      const result = await suite.callVia("+919800000721", [{ destination: `${pbx.address};transport=tls` }], { expect: 200, byeFromCallee: true });
      expectCall(result, "answered, and torn down by the PBX's BYE");
      const hangUps = await pbx.hangUps();
      assert.deepEqual(hangUps.map((h) => ({ to: h.to, status: h.status, error: h.error })), [{ to: stack().edgeTls, status: 200, error: undefined }]);
    });
  },
  { TRUNKLINE_EDGE_TLS_CERT: issued.cert, TRUNKLINE_EDGE_TLS_KEY: issued.key },
);
