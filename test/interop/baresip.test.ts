import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { selfSignedCertificate, type CertificateFiles } from "../../src/edge/tls.js";
import type { EdgeStack } from "../edge/harness.js";
import { ENGINES } from "../helpers/stores.js";
import { bodyOf, sdpFacts } from "../media/rtp.js";
import { describeMedia } from "../media/stack.js";
import { Provision } from "../edge/provision.js";
import { headerValues } from "../edge/sipTls.js";
import { requireBaresip, startBaresip, type Baresip, type SipMessage } from "./baresip.js";

// A real SIP user agent on both sides of the edge. Edge on 127.0.80.1 (its flow UAS on .250); the
// customer's PBX placing calls: 127.0.80.10 (digest, in no ACL) and 127.0.80.11 (in the trunk's
// ACL); the destination PBX answering them: 127.0.80.20 (UDP and TCP on one port, TLS on the next).

requireBaresip();

const CALLER_ID = "+914430000010"; // the digest PBX's From user: a phone number, not the credential
const ACL_CALLER_ID = "+914430000011";
// `digest` and `acl` are calls out (numbers the platform does not hold) over the account's carrier
// trunk, whose outbound_host is a UDP destination; `tcp` and `tls` are platform numbers mapped to
// trunks with a transport=tcp and a transport=tls destination (the Exotel API takes only those two).
const NUMBERS = { digest: "919800000801", acl: "919800000802", tcp: "+919800000803", tls: "+919800000804" };
const OUT_PREFIX = "91980000080";
/** How long each call stays up: long enough for a few dozen RTP packets each way. */
const HOLD_MS = 2000;
const STEP_MS = 20000;

// The destination PBX's TLS certificate: self-signed, as PBXs' commonly are (the edge does not verify by default).
let certDir: string | undefined;
let pbxCertificate: CertificateFiles | undefined;
before(() => {
  certDir = mkdtempSync(join(tmpdir(), "tl-interop-tls-"));
  pbxCertificate = selfSignedCertificate(join(certDir, "pbx"));
});
after(() => {
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

type Transport = "udp" | "tcp" | "tls";

interface CallRecord {
  /** The caller's Call-ID, and the destination PBX's (topology hiding: another one). */
  callId: string;
  calleeCallId: string;
  /** What the destination PBX received (requests and responses) and sent in this call. */
  callee: SipMessage[];
  /** The same for the calling PBX. */
  caller: SipMessage[];
  rtp: { caller: { txPackets: number; rxPackets: number }; callee: { txPackets: number; rxPackets: number } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const requests = (messages: SipMessage[]) => messages.filter((m) => m.received && m.method !== undefined);
/** Record-Route values, one per URI (a header may list several). */
const recordRoutes = (message: string) => headerValues(message, "Record-Route").flatMap((v) => v.split(/,(?=\s*<)/).map((r) => r.trim()));

/**
 * Places a call from `caller` to `number` through the edge, holds it, has `hangupBy` hang up and
 * returns both sides' view of it. Fails with the far side's reason when it is not answered.
 */
async function call(edge: string, caller: Baresip, callee: Baresip, number: string, hangupBy: "caller" | "callee"): Promise<CallRecord> {
  const [callerSince, calleeSince] = [caller.events().length, callee.events().length];
  const [callerStats, calleeStats] = [caller.rtpStats().length, callee.rtpStats().length];
  const [callerOutput, calleeOutput] = [caller.output().length, callee.output().length];
  try {
    await caller.dial(`sip:${number}@${edge}`);
    const outcome = await caller.waitForEvent((e) => e.type === "CALL_ESTABLISHED" || e.type === "CALL_CLOSED", STEP_MS, callerSince);
    assert.equal(outcome.type, "CALL_ESTABLISHED", `the call to ${number} was not answered: ${outcome.param ?? ""}`);
    const callId = outcome.id ?? "";
    const answered = await callee.waitForEvent((e) => e.type === "CALL_ESTABLISHED", STEP_MS, calleeSince);
    const calleeCallId = answered.id ?? "";
    assert.notEqual(calleeCallId, callId, "the destination PBX never sees the caller's Call-ID (topology hiding)");
    await sleep(HOLD_MS);
    await (hangupBy === "caller" ? caller.hangup() : callee.hangup(answered.accountaor));
    await caller.waitForEvent((e) => e.type === "CALL_CLOSED" && e.id === callId, STEP_MS, callerSince);
    await callee.waitForEvent((e) => e.type === "CALL_CLOSED" && e.id === calleeCallId, STEP_MS, calleeSince);
    const rtp = { caller: await caller.waitForRtpStats(callerStats + 1, STEP_MS), callee: await callee.waitForRtpStats(calleeStats + 1, STEP_MS) };
    // The hanging-up side's BYE gets its 200 after CALL_CLOSED: wait for it in the trace.
    const byeSide = hangupBy === "caller" ? caller : callee;
    const byeCallId = hangupBy === "caller" ? callId : calleeCallId;
    await byeSide.waitForMessage((m) => m.received && m.callId === byeCallId && m.cseqMethod === "BYE" && m.status === 200, STEP_MS, "200 OK to the BYE");
    const ofCall = (b: Baresip, id: string) => b.messages().filter((m) => m.callId === id);
    return { callId, calleeCallId, caller: ofCall(caller, callId), callee: ofCall(callee, calleeCallId), rtp };
  } catch (error) {
    // Both sides' output during this call: what each sent and received.
    const cut = (text: string) => (text.length > 12000 ? `...${text.slice(-12000)}` : text);
    (error as Error).message += `\n--- calling PBX ${caller.address} ---\n${cut(caller.output().slice(callerOutput))}\n--- destination PBX ${callee.address} ---\n${cut(callee.output().slice(calleeOutput))}`;
    throw error;
  }
}

/**
 * Runs every check and then fails once, listing all that failed: an interop run shows each thing
 * the far end objects to, not only the first.
 */
function allOf(what: string, checks: Array<() => void>): void {
  const failed: string[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      failed.push(`- ${(error as Error).message.split("\n")[0]}`);
    }
  }
  if (failed.length > 0) assert.fail(`${what}: ${failed.length} of ${checks.length} checks failed\n${failed.join("\n")}`);
}

/**
 * What the destination PBX must see on a relayed call: a Request-URI naming the PBX itself, the
 * edge's SIP socket for `transport` (never its JSON-RPC listener) in the top Via and the
 * Record-Route facing it, every request from the edge, no credentials in any of them, and the
 * whole dialog (the BYE in the direction `hangupBy` says). RTP flowed both ways.
 */
function expectPbxView(s: EdgeStack, callee: Baresip, number: string, transport: Transport, hangupBy: "caller" | "callee", c: CallRecord): void {
  const edgeSocket = transport === "tls" ? s.edgeTls : s.edge;
  const edgeHost = s.edge.replace(/:\d+$/, "");
  const sipPorts = [s.edge, s.edgeTls].map((a) => a.replace(/^.*:/, ""));
  const rpcPort = String(s.options.rpcPort);
  const received = requests(c.callee);
  const methods = received.map((m) => m.method);
  assert.deepEqual(methods, hangupBy === "caller" ? ["INVITE", "ACK", "BYE"] : ["INVITE", "ACK"], `requests the destination PBX received: ${methods.join(", ")}`);
  const invite = received[0]!;
  const requestLine = invite.text.split("\r\n")[0] ?? "";
  const ruri = /^INVITE sip:([^@\s]+)@([^:;>\s]+)(?::(\d+))?\S* SIP\/2\.0$/.exec(requestLine);
  const vias = headerValues(invite.text, "Via");
  const rrs = recordRoutes(invite.text);
  const bye = c.callee.find((m) => !m.received && m.method === "BYE");

  allOf(`what the destination PBX received over ${transport}`, [
    () => assert.equal(ruri?.[1]?.replace(/^\+/, ""), number.replace(/^\+/, ""), `Request-URI user is the called number: ${requestLine}`),
    () => assert.equal(ruri?.[2], callee.address, `Request-URI host names the destination PBX, not the edge: ${requestLine}`),
    () => assert.equal(ruri?.[3], String(transport === "tls" ? callee.tlsPort : callee.port), `Request-URI port is the destination's: ${requestLine}`),
    () => assert.match(vias[0] ?? "", new RegExp(`^SIP/2\\.0/${transport.toUpperCase()} ${escape(edgeSocket)}(;|$)`), `top Via names the edge's ${transport} SIP socket ${edgeSocket}: ${vias[0]}`),
    () => {
      for (const via of vias.filter((v) => v.includes(edgeHost))) assert.doesNotMatch(via, new RegExp(`${escape(edgeHost)}:${rpcPort}\\b`), `no Via names the JSON-RPC port: ${via}`);
    },
    () => assert.ok(rrs[0]?.includes(`sip:${edgeSocket}`), `the Record-Route facing the PBX names the edge's ${transport} socket ${edgeSocket}: ${rrs.join(" | ")}`),
    () => {
      if (transport !== "udp") assert.match(rrs[0] ?? "", new RegExp(`transport=${transport}`, "i"), `the Record-Route facing the PBX keeps ${transport}: ${rrs[0]}`);
    },
    () => {
      // The edge's other Record-Route (the caller's side) reaches the PBX masked (topology hiding).
      for (const rr of rrs) {
        if (new RegExp(`^<sip:${escape(edgeHost)};line=sr-`).test(rr)) continue;
        const port = new RegExp(`sip:${escape(edgeHost)}:(\\d+)`).exec(rr)?.[1];
        assert.ok(port !== undefined && sipPorts.includes(port), `every Record-Route names the edge's address and a SIP port (${sipPorts.join(", ")}) or is masked, never the JSON-RPC port ${rpcPort}: ${rr}`);
      }
    },
    // Media anchored: each side's SDP names only the edge's media address; a secure trunk's PBX gets SDES-SRTP.
    () => {
      const offer = sdpFacts(bodyOf(invite.text));
      assert.deepEqual([...new Set(offer.addresses)], [edgeHost], `the PBX's offer names only the edge: ${offer.addresses.join(", ")}`);
      assert.equal(offer.proto, transport === "tls" ? "RTP/SAVP" : "RTP/AVP", `the PBX's leg is ${transport === "tls" ? "SRTP (secure trunk)" : "RTP"}`);
      if (transport === "tls") assert.ok(offer.crypto.length > 0, "the secure leg carries a=crypto keys");
    },
    () => {
      const ok = c.caller.find((m) => m.received && m.status === 200 && m.cseqMethod === "INVITE");
      const answer = sdpFacts(bodyOf(ok?.text ?? ""));
      assert.deepEqual([...new Set(answer.addresses)], [edgeHost], `the caller's answer names only the edge: ${answer.addresses.join(", ")}`);
      assert.equal(answer.proto, "RTP/AVP", "the caller's leg is plain RTP");
    },
    ...received.map((r) => () => {
      assert.equal(r.transport, transport.toUpperCase(), `${r.method} came over ${transport}`);
      assert.equal(r.source.replace(/:\d+$/, ""), edgeHost, `${r.method} came from the edge's address: ${r.source}`);
      if (transport === "udp") assert.equal(r.source, s.edge, `${r.method} came from the edge's UDP SIP socket: ${r.source}`);
    }),
    ...received.map((r) => () => assert.doesNotMatch(r.text, /^(Proxy-)?Authorization[ \t]*:/im, `no credentials reach the destination PBX, but its ${r.method} carries ${/^((?:Proxy-)?Authorization)[ \t]*:[^,]*/im.exec(r.text)?.[0]}`)),
    ...(hangupBy === "callee"
      ? [
          // The PBX's BYE follows the Record-Route back to the edge's SIP socket, and reaches the caller.
          () => assert.equal(bye?.destination, edgeSocket, `the PBX's BYE went to the edge's ${transport} SIP socket`),
          () => assert.ok(c.callee.some((m) => m.received && m.cseqMethod === "BYE" && m.status === 200), "the PBX's BYE was answered 200"),
          () => assert.ok(requests(c.caller).some((m) => m.method === "BYE"), "the BYE reached the caller"),
        ]
      : []),
    () => assert.ok(c.rtp.caller.rxPackets >= 20 && c.rtp.callee.rxPackets >= 20, `RTP both ways: caller received ${c.rtp.caller.rxPackets}, PBX received ${c.rtp.callee.rxPackets}`),
    () => assert.ok(c.rtp.caller.txPackets >= 20 && c.rtp.callee.txPackets >= 20, `RTP sent both ways: caller ${c.rtp.caller.txPackets}, PBX ${c.rtp.callee.txPackets}`),
  ]);
}

/** The calling PBX was challenged (407), answered with the trunk's credential, and kept its caller id in From. */
function expectDigest(c: CallRecord, credentialUser: string): void {
  const sent = c.caller.filter((m) => !m.received && m.method === "INVITE");
  assert.equal(sent.length, 2, "the PBX sent its INVITE twice: without and with credentials");
  assert.ok(
    c.caller.some((m) => m.received && m.status === 407 && m.cseqMethod === "INVITE"),
    "the edge challenged the first INVITE with 407",
  );
  for (const invite of sent) assert.match(headerValues(invite.text, "From")[0] ?? "", new RegExp(`sip:${escape(CALLER_ID)}@`), "From user: the caller id");
  assert.doesNotMatch(sent[0]!.text, /^Proxy-Authorization:/im);
  assert.match(headerValues(sent[1]!.text, "Proxy-Authorization")[0] ?? "", new RegExp(`username="${escape(credentialUser)}"`), "answered with the trunk's credential");
  // The caller id reaches the PBX unchanged (the trunks have no alias).
  const invite = requests(c.callee)[0];
  assert.match(headerValues(invite?.text ?? "", "From")[0] ?? "", new RegExp(`sip:${escape(CALLER_ID)}@`), "the destination PBX sees the caller id");
}

for (const engine of ENGINES) describeMedia("interop: baresip PBXs through the edge, media anchored", engine, "127.0.80.1", { min: 33500, max: 33999 }, (media) => {
  const stack = () => media().edge;
  const uas: Baresip[] = [];
  let callee: Baresip;
  let digestCaller: Baresip;
  let aclCaller: Baresip;
  let credentialUser = "";

  before(async () => {
    const s = stack();
    const { exotel, carrier } = await s.server.clients(`interop${s.engine}`);
    const p = new Provision(exotel);
    const customer = await p.trunk("customer_pbx");
    await p.allow(customer, "127.0.80.11", 32);
    const credential = await p.credentials(customer);
    credentialUser = credential.username;

    // One account per number, with and without "+": baresip gives an INVITE to the account whose
    // user is the Request-URI user, and the suite checks the host, not how the edge writes the number.
    // The TLS destination's trunk has secure trunking: its accounts take SDES-SRTP only.
    const users = Object.values(NUMBERS).flatMap((n) => [n, n.startsWith("+") ? n.slice(1) : `+${n}`]);
    const secure = (n: string) => n.replace(/^\+/, "") === NUMBERS.tls.replace(/^\+/, "");
    callee = await startBaresip({
      address: "127.0.80.20",
      accounts: users.map((n) => `<sip:${n}@127.0.80.20>;regint=0;answermode=auto${secure(n) ? ";mediaenc=srtp-mand" : ""}`),
      certificate: pbxCertificate,
    });
    uas.push(callee);
    const out = await carrier.create({
      name: "pstn_out",
      authentication_mode: "ip_address",
      region: "ap-south-1",
      outbound_host: `${callee.address}:${callee.port}`,
      outbound_route_prefixes: [OUT_PREFIX],
    });
    assert.equal(out.status, 201, out.text);
    const tcp = await p.trunk("dest_tcp");
    await p.destinations(tcp, [{ destination: `${callee.address}:${callee.port};transport=tcp` }]);
    await p.map(tcp, NUMBERS.tcp);
    const tls = await p.trunk("dest_tls");
    await p.destinations(tls, [{ destination: `${callee.address}:${callee.tlsPort};transport=tls` }]);
    await p.map(tls, NUMBERS.tls);
    await s.settled();

    // As Asterisk, FreeSWITCH or 3CX send it: the caller id in From, the credential only as the
    // auth user; the edge as outbound proxy.
    const edgeHost = s.edge.replace(/:\d+$/, "");
    const outbound = `outbound="sip:${s.edge}"`;
    digestCaller = await startBaresip({
      address: "127.0.80.10",
      accounts: [`<sip:${CALLER_ID}@${edgeHost}>;auth_user=${credential.username};auth_pass=${credential.password};${outbound};regint=0;answermode=manual`],
    });
    uas.push(digestCaller);
    aclCaller = await startBaresip({
      address: "127.0.80.11",
      accounts: [`<sip:${ACL_CALLER_ID}@${edgeHost}>;${outbound};regint=0;answermode=manual`],
    });
    uas.push(aclCaller);
  });
  after(async () => {
    for (const u of uas.splice(0)) await u.stop();
  });

  it("digest with the caller id in From: challenged, admitted, answered, RTP both ways, caller hangs up (UDP destination)", async () => {
    const s = stack();
    const c = await call(s.edge, digestCaller, callee, NUMBERS.digest, "caller");
    expectDigest(c, credentialUser);
    expectPbxView(s, callee, NUMBERS.digest, "udp", "caller", c);
  });

  it("ACL admission: no challenge, answered, RTP both ways, the destination PBX hangs up (UDP destination)", async () => {
    const s = stack();
    const c = await call(s.edge, aclCaller, callee, NUMBERS.acl, "callee");
    assert.ok(!c.caller.some((m) => m.received && (m.status === 407 || m.status === 401)), "an ACL source is not challenged");
    assert.equal(c.caller.filter((m) => !m.received && m.method === "INVITE").length, 1);
    expectPbxView(s, callee, NUMBERS.acl, "udp", "callee", c);
  });

  it("TCP destination: relayed over TCP from the edge's SIP socket, answered, caller hangs up", async () => {
    const s = stack();
    const c = await call(s.edge, digestCaller, callee, NUMBERS.tcp, "caller");
    expectDigest(c, credentialUser);
    expectPbxView(s, callee, NUMBERS.tcp, "tcp", "caller", c);
  });

  it("TLS destination: relayed over TLS from the edge's TLS socket, answered, the destination PBX hangs up over TLS", async () => {
    const s = stack();
    const c = await call(s.edge, digestCaller, callee, NUMBERS.tls, "callee");
    expectDigest(c, credentialUser);
    expectPbxView(s, callee, NUMBERS.tls, "tls", "callee", c);
  });

  // The other hang-up side on each connection-oriented transport, from the ACL PBX.
  it("TCP destination: the destination PBX hangs up, its BYE back over TCP to the edge's SIP socket", async () => {
    const s = stack();
    const c = await call(s.edge, aclCaller, callee, NUMBERS.tcp, "callee");
    expectPbxView(s, callee, NUMBERS.tcp, "tcp", "callee", c);
  });

  it("TLS destination: the caller hangs up, its BYE relayed over TLS", async () => {
    const s = stack();
    const c = await call(s.edge, aclCaller, callee, NUMBERS.tls, "caller");
    expectPbxView(s, callee, NUMBERS.tls, "tls", "caller", c);
  });
});
