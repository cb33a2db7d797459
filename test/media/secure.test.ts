import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { selfSignedCertificate } from "../../src/edge/tls.js";
import { startEdgeStack, type EdgeStack } from "../edge/harness.js";
import { Provision } from "../edge/provision.js";
import { startPbx, type Pbx } from "../edge/sipPbx.js";
import type { ExotelClient } from "../helpers/client.js";
import { freePort } from "../helpers/process.js";
import { answeredCall, assertOnlyEdge, invitesOf, packetsFrom } from "./calls.js";
import { audioSdp, bodyOf, rtpPeer, sdpFacts, type RtpPeer } from "./rtp.js";
import { keyFromCrypto, newCrypto, SrtpContext, SUITE } from "./srtp.js";
import { describeMedia } from "./stack.js";
import { startUac, type Uac } from "./uac.js";

// Secure trunking (docs/media.md): a trunk with a TLS destination has secure_trunking enabled, and
// its PBX's leg is SDES-SRTP while the other leg stays plain RTP, rtpengine bridging the two.
// Edge and relay on 127.0.161.1 (media ports 32000-32499); a plain caller on 127.0.166.5, a secure
// trunk's PBX calling in from 127.0.167.5; PBXs on 127.0.166.x. A second edge without a relay on
// 127.0.168.1 (callers 127.0.168.5).

const certDir = mkdtempSync(join(tmpdir(), "tl-media-secure-"));
const pbxCertificate = selfSignedCertificate(join(certDir, "pbx"));
after(() => rmSync(certDir, { recursive: true, force: true }));

const PAYLOAD = Buffer.alloc(160, 0xff);

/** The a=crypto line of `suite` in an SDP's crypto lines. */
const cryptoOf = (lines: string[], suite = SUITE) => {
  const line = lines.find((l) => l.split(" ")[1] === suite);
  assert.ok(line, `an ${suite} key is offered: ${lines.join(" | ")}`);
  return line;
};

describeMedia("secure trunking: SRTP on the secure trunk's leg, RTP on the other", "postgres", "127.0.161.1", { min: 32000, max: 32499 }, (stack) => {
  let p: Provision;
  let api: ExotelClient;
  let uac: Uac;
  const closers: Array<{ close(): void } | { stop(): Promise<void> }> = [];
  const peer = async (host: string): Promise<RtpPeer> => {
    const r = await rtpPeer(host);
    closers.push(r);
    return r;
  };
  const pbx = async (host: string, options: Parameters<typeof startPbx>[3], transport: "tcp" | "tls"): Promise<Pbx> => {
    const made = await startPbx(host, await freePort(), transport, { certificate: pbxCertificate, ...options });
    closers.push(made);
    return made;
  };
  before(async () => {
    api = (await stack().edge.server.clients("mediasecure")).exotel;
    p = new Provision(api);
    await p.allow(await p.trunk("plain_callers"), "127.0.166.0", 24);
    uac = await startUac("127.0.166.5");
    closers.push(uac);
  });
  after(async () => {
    for (const c of closers) await ("stop" in c ? c.stop() : c.close());
  });

  it("to a secure trunk's PBX: it is offered RTP/SAVP with a=crypto, the caller answered RTP/AVP, and media flows end to end (decrypted and authenticated at the PBX)", async () => {
    const rtp = await peer("127.0.166.11");
    const pbxKey = newCrypto(1);
    // The PBX accepts the relay's AES_CM_128_HMAC_SHA1_80 key under its tag, and gives its own.
    const secure = await pbx(
      "127.0.166.11",
      {
        sdp: (invite) => {
          const tag = cryptoOf(sdpFacts(bodyOf(invite)).crypto).split(" ")[0] ?? "1";
          return audioSdp(rtp.host, rtp.port, { proto: "RTP/SAVP", crypto: [pbxKey.line.replace(/^1 /, `${tag} `)] });
        },
      },
      "tls",
    );
    const t = await p.trunk("secure");
    await p.destinations(t, [{ destination: `${secure.address};transport=tls` }]);
    await p.map(t, "+917700926011");
    await stack().edge.settled();
    const trunk = await api.request("GET", `/trunks/${t}`);
    assert.equal(trunk.body.response.data.secure_trunking, "enabled", "the API says secure trunking");

    const callerRtp = await peer("127.0.166.5");
    const media = stack().mediaHost;
    const call = await answeredCall(uac, stack().edge.edge, "+917700926011", callerRtp, secure);
    assertOnlyEdge(call.pbxSees, media, "the secure PBX");
    assertOnlyEdge(call.callerSees, media, "the caller");
    assert.equal(call.pbxSees.proto, "RTP/SAVP", "the secure leg is SRTP");
    const relayKey = keyFromCrypto(cryptoOf(call.pbxSees.crypto));
    assert.equal(call.callerSees.proto, "RTP/AVP", "the plain leg is RTP");
    assert.deepEqual(call.callerSees.crypto, [], "no key on the plain leg");

    // Caller -> PBX: plain RTP in, SRTP out of the relay; every packet decrypts with the relay's key.
    const toPbx = new SrtpContext(relayKey);
    const fromPbx = new SrtpContext(pbxKey);
    await Promise.all([
      callerRtp.send({ host: call.callerSees.host, port: call.callerSees.port }, 20),
      rtp.send({ host: call.pbxSees.host, port: call.pbxSees.port }, 20, { transform: (packet) => fromPbx.protect(packet) }),
    ]);
    await packetsFrom(rtp, media, 20);
    const decrypted = rtp.received().map((packet) => toPbx.unprotect(packet.raw));
    assert.equal(decrypted.filter((d) => d !== undefined).length, 20, "every packet the PBX got is SRTP under the relay's key");
    for (const d of decrypted) assert.deepEqual(d?.subarray(12), PAYLOAD, "the caller's payload, decrypted");
    // PBX -> caller: SRTP in, plain RTP out.
    await packetsFrom(callerRtp, media, 20);
    for (const packet of callerRtp.received()) assert.deepEqual(packet.raw.subarray(12), PAYLOAD, "the PBX's payload arrives decrypted");
    // A re-INVITE from the plain caller reaches the secure PBX as SRTP too; the caller's answer stays plain.
    const re = await call.call.reinvite(audioSdp(callerRtp.host, callerRtp.port).replace(" 1 1 IN", " 1 2 IN"));
    assert.equal(re.status, 200, re.text);
    const reoffer = sdpFacts(bodyOf(invitesOf(secure).at(-1)?.text ?? ""));
    assert.equal(invitesOf(secure).length, 2);
    assert.equal(reoffer.proto, "RTP/SAVP", "the re-INVITE toward the secure PBX is SRTP");
    cryptoOf(reoffer.crypto);
    assert.equal(sdpFacts(re.sdp ?? "").proto, "RTP/AVP", "the caller's answer stays RTP");
    assert.equal((await call.call.bye()).status, 200);
  });

  it("from a secure trunk's PBX: its SRTP offer reaches a plain PBX as RTP/AVP, it is answered RTP/SAVP with the relay's key, and media flows end to end", async () => {
    // The calling PBX's trunk is secure (a TLS destination) and admits 127.0.167.5.
    const caller = await p.trunk("secure_caller");
    await p.destinations(caller, [{ destination: "127.0.166.99:5061;transport=tls" }]);
    await p.allow(caller, "127.0.167.5", 32);
    const rtp = await peer("127.0.166.21");
    const plain = await pbx("127.0.166.21", { sdp: () => audioSdp(rtp.host, rtp.port) }, "tcp");
    const t = await p.trunk("plain_pbx");
    await p.destinations(t, [{ destination: `${plain.address};transport=tcp` }]);
    await p.map(t, "+917700926021");
    await stack().edge.settled();

    const secureUac = await startUac("127.0.167.5");
    closers.push(secureUac);
    const callerRtp = await peer("127.0.167.5");
    const callerKey = newCrypto(1);
    const media = stack().mediaHost;
    const call = await answeredCall(secureUac, stack().edge.edge, "+917700926021", callerRtp, plain, { proto: "RTP/SAVP", crypto: [callerKey.line] });
    assertOnlyEdge(call.pbxSees, media, "the plain PBX");
    assert.equal(call.pbxSees.proto, "RTP/AVP");
    assert.deepEqual(call.pbxSees.crypto, []);
    assert.equal(call.callerSees.proto, "RTP/SAVP", "the secure caller is answered SRTP");
    const relayKey = keyFromCrypto(cryptoOf(call.callerSees.crypto));

    const fromCaller = new SrtpContext(callerKey);
    const toCaller = new SrtpContext(relayKey);
    await Promise.all([
      callerRtp.send({ host: call.callerSees.host, port: call.callerSees.port }, 20, { transform: (packet) => fromCaller.protect(packet) }),
      rtp.send({ host: call.pbxSees.host, port: call.pbxSees.port }, 20),
    ]);
    await packetsFrom(rtp, media, 20);
    for (const packet of rtp.received()) assert.deepEqual(packet.raw.subarray(12), PAYLOAD, "the plain PBX gets the caller's payload decrypted");
    await packetsFrom(callerRtp, media, 20);
    const decrypted = callerRtp.received().map((packet) => toCaller.unprotect(packet.raw));
    assert.equal(decrypted.filter((d) => d !== undefined).length, 20, "every packet the secure caller got is SRTP under the relay's key");
    // A re-INVITE from the plain PBX reaches the secure caller as SRTP; the PBX is answered plain RTP.
    call.call.answerReinvitesWith(audioSdp(callerRtp.host, callerRtp.port, { proto: "RTP/SAVP", crypto: [callerKey.line], session: 2 }));
    const re = await plain.reinvite(audioSdp(rtp.host, rtp.port).replace(" 1 1 IN", " 1 2 IN"));
    assert.equal(re.status, 200, re.answer);
    const offered = call.call.requests().find((r) => r.startsWith("INVITE "));
    assert.ok(offered, "the caller got the re-INVITE");
    const reoffer = sdpFacts(bodyOf(offered));
    assert.equal(reoffer.proto, "RTP/SAVP", "the re-INVITE toward the secure caller is SRTP");
    cryptoOf(reoffer.crypto);
    assertOnlyEdge(reoffer, media, "the secure caller (re-INVITE)");
    const reanswer = sdpFacts(bodyOf(re.answer));
    assert.equal(reanswer.proto, "RTP/AVP", "the plain PBX's answer stays RTP");
    assert.deepEqual(reanswer.crypto, []);
    assertOnlyEdge(reanswer, media, "the plain PBX (answer to its re-INVITE)");
    assert.equal((await call.call.bye()).status, 200);
  });
});

describe("secure trunking without a media relay [sqlite]", () => {
  let stack: EdgeStack;
  let uac: Uac;
  let secure: Pbx;
  before(async () => {
    stack = await startEdgeStack("sqlite", "127.0.168.1");
    const p = new Provision((await stack.server.clients("nomedia")).exotel);
    await p.allow(await p.trunk("callers"), "127.0.168.5", 32);
    secure = await startPbx("127.0.168.11", await freePort(), "tls", { certificate: pbxCertificate });
    const t = await p.trunk("secure");
    await p.destinations(t, [{ destination: `${secure.address};transport=tls` }]);
    await p.map(t, "+917700926031");
    await stack.settled();
    uac = await startUac("127.0.168.5");
  });
  after(async () => {
    uac.close();
    await secure.stop();
    await stack.close();
  });

  it("signalling only (TRUNKLINE_MEDIA=off): the SDP reaches a secure trunk's PBX exactly as the caller wrote it", async () => {
    const offer = audioSdp("127.0.168.5", 7000);
    const call = uac.invite(stack.edge, "+917700926031", offer);
    assert.equal((await call.final).status, 200);
    call.ack();
    assert.equal(bodyOf(invitesOf(secure)[0]?.text ?? ""), offer);
    assert.equal((await call.bye()).status, 200);
  });
});
