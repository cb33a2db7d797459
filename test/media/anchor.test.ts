import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { selfSignedCertificate } from "../../src/edge/tls.js";
import { Provision } from "../edge/provision.js";
import { startPbx, type Pbx, type Transport } from "../edge/sipPbx.js";
import type { CarrierClient } from "../helpers/carrierClient.js";
import { send, type ExotelClient } from "../helpers/client.js";
import { freePort } from "../helpers/process.js";
import { ENGINES } from "../helpers/stores.js";
import { until } from "../helpers/wait.js";
import { answeredCall, assertOnlyEdge, exchangeRtp, invitesOf } from "./calls.js";
import { audioSdp, bodyOf, rtpPeer, sdpFacts, type RtpPeer } from "./rtp.js";
import { describeMedia } from "./stack.js";
import { startUac, type Uac } from "./uac.js";

// Edge and its rtpengine on 127.0.160.1 (media ports 31000-31999); callers on 127.0.164.x, PBXs on 127.0.165.x.

const certDir = mkdtempSync(join(tmpdir(), "tl-media-anchor-"));
const pbxCertificate = selfSignedCertificate(join(certDir, "pbx"));
after(() => rmSync(certDir, { recursive: true, force: true }));

for (const engine of ENGINES) {
  describeMedia("media anchored through rtpengine", engine, "127.0.160.1", { min: 31000, max: 31999 }, (stack) => {
    let p: Provision;
    let carrier: CarrierClient;
    let api: ExotelClient;
    let uac: Uac;
    const closers: Array<{ close(): void } | { stop(): Promise<void> }> = [];
    const peer = async (host: string) => {
      const r = await rtpPeer(host);
      closers.push(r);
      return r;
    };
    before(async () => {
      const s = stack().edge;
      const clients = await s.server.clients(`media${engine}`);
      p = new Provision(clients.exotel);
      api = clients.exotel;
      carrier = clients.carrier;
      await p.allow(await p.trunk("callers"), "127.0.164.0", 24);
      uac = await startUac("127.0.164.5");
      closers.push(uac);
    });
    after(async () => {
      for (const c of closers) await ("stop" in c ? c.stop() : c.close());
    });

    /** A PBX on 127.0.165.<host> answering with its own RTP peer's address; `number` routed to it. */
    const pbxFor = async (host: number, transport: Transport, number: string, options: Parameters<typeof startPbx>[3] = {}): Promise<{ pbx: Pbx; rtp: RtpPeer }> => {
      const rtp = await peer(`127.0.165.${host}`);
      const pbx = await startPbx(`127.0.165.${host}`, await freePort(), transport, { certificate: pbxCertificate, sdp: () => audioSdp(rtp.host, rtp.port), ...options });
      closers.push(pbx);
      if (transport === "udp") {
        const digits = number.replace(/^\+/, "");
        const made = await carrier.create({ name: `udp${digits.slice(-4)}`, authentication_mode: "ip_address", region: "ap-south-1", outbound_host: pbx.address, outbound_route_prefixes: [digits] });
        assert.equal(made.status, 201, made.text);
      } else {
        const t = await p.trunk(`t${number.slice(-4)}`);
        await p.destinations(t, [{ destination: `${pbx.address};transport=${transport}` }]);
        await p.map(t, number);
      }
      await stack().edge.settled();
      return { pbx, rtp };
    };

    const cases: Array<{ transport: Transport; host: number; number: string }> = [
      { transport: "udp", host: 11, number: "+447700916011" },
      { transport: "tcp", host: 12, number: "+917700916012" },
      { transport: "tls", host: 13, number: "+917700916013" },
    ];
    for (const c of cases) {
      it(`a ${c.transport.toUpperCase()} destination: each side's SDP names only the edge, RTP flows both ways through it, BYE leaves no session`, async () => {
        const { pbx, rtp } = await pbxFor(c.host, c.transport, c.number);
        const callerRtp = await peer("127.0.164.5");
        const media = stack().mediaHost;
        const call = await answeredCall(uac, stack().edge.edge, c.number, callerRtp, pbx);
        assertOnlyEdge(call.pbxSees, media, "the PBX");
        assertOnlyEdge(call.callerSees, media, "the caller");
        await exchangeRtp({ peer: callerRtp, to: call.callerSees }, { peer: rtp, to: call.pbxSees }, media);
        assert.ok((await stack().ng.list()).length >= 1, "the relay holds the call's session");
        assert.equal((await call.call.bye()).status, 200);
        assert.deepEqual(await stack().noSessions(), [], "no session once the call ended");
        // The call record names the relay and what it relayed: 20 packets of 172 bytes each way.
        const db = stack().edge.server.runtime.store.db;
        const row = await until("the call's record", () => db.selectFrom("calls").selectAll().where("call_id", "=", call.call.callId).executeTakeFirst());
        assert.equal(row.media_relay, stack().ngAddress);
        assert.ok((row.media_packets ?? 0) >= 40 && (row.media_bytes ?? 0) >= 40 * 172, `packets ${row.media_packets}, bytes ${row.media_bytes}`);
        assert.equal(row.media_errors, 0);
        const counters = { relay: row.media_relay, packets: row.media_packets, bytes: row.media_bytes, errors: row.media_errors };
        const carrierCall = await send(`${carrier.baseUrl}/carrier/v1/phone_calls/${row.sid}`, "GET", { headers: { authorization: `Bearer ${carrier.token}` } });
        assert.deepEqual(carrierCall.body.data.attributes.media, counters);
        const v1 = await send(`${api.baseUrl}/v1/Accounts/${api.accountSid}/Calls/${row.sid}.json`, "GET", { headers: { authorization: api.authorization } });
        assert.deepEqual(v1.body.Call.Media, { Relay: counters.relay, Packets: counters.packets, Bytes: counters.bytes, Errors: counters.errors });
      });
    }

    it("topology hiding: the PBX's INVITE names no address of the caller, the caller's 200 none of the PBX", async () => {
      const { pbx } = await pbxFor(21, "tcp", "+917700916021");
      const callerRtp = await peer("127.0.164.5");
      const call = await answeredCall(uac, stack().edge.edge, "+917700916021", callerRtp, pbx);
      assert.doesNotMatch(call.invite.text, /127\.0\.164\./, `the PBX sees no caller address:\n${call.invite.text}`);
      assert.doesNotMatch(call.reply.text, /127\.0\.165\./, `the caller sees no PBX address:\n${call.reply.text}`);
      assert.match(call.invite.text, /^From: <sip:caller@127\.0\.160\.1>;tag=/m, "From names the edge, with the caller's user");
      assert.match(call.reply.text, /^From: <sip:caller@127\.0\.164\.5:\d+>;tag=/m, "the caller gets its own From back");
      assert.notEqual(call.invite.text.match(/^Call-ID:\s*(.*)$/im)?.[1]?.trim(), call.call.callId, "the Call-ID is not the caller's");
      // In-dialog requests still find their way: the caller's BYE reaches the PBX.
      assert.equal((await call.call.bye()).status, 200);
      assert.ok(pbx.requests().some((r) => r.method === "BYE"), "the PBX got the BYE");
      assert.deepEqual(await stack().noSessions(), []);
    });

    it("late offer: an INVITE without SDP gets the PBX's offer rewritten in the 200, the caller's answer in the ACK; RTP flows", async () => {
      const { pbx, rtp } = await pbxFor(31, "tcp", "+917700916031");
      const callerRtp = await peer("127.0.164.5");
      const media = stack().mediaHost;
      const call = uac.invite(stack().edge.edge, "+917700916031", undefined);
      const reply = await call.final;
      assert.equal(reply.status, 200, reply.text);
      const invite = invitesOf(pbx).at(-1);
      assert.equal(bodyOf(invite?.text ?? ""), "", "the PBX got the INVITE without SDP");
      const offer = sdpFacts(reply.sdp ?? "");
      assertOnlyEdge(offer, media, "the caller (offer in the 200)");
      call.ack(audioSdp(callerRtp.host, callerRtp.port));
      const ack = await until("the PBX got the ACK with the answer", () => pbx.requests().find((r) => r.method === "ACK" && bodyOf(r.text) !== ""));
      const answer = sdpFacts(bodyOf(ack.text));
      assertOnlyEdge(answer, media, "the PBX (answer in the ACK)");
      await exchangeRtp({ peer: callerRtp, to: offer }, { peer: rtp, to: answer }, media);
      assert.equal((await call.bye()).status, 200);
      assert.deepEqual(await stack().noSessions(), []);
    });

    it("re-INVITE: a new caller media port is offered to the PBX through the edge, and RTP follows it", async () => {
      const { pbx, rtp } = await pbxFor(41, "udp", "+447700916041");
      const first = await peer("127.0.164.5");
      const media = stack().mediaHost;
      const call = await answeredCall(uac, stack().edge.edge, "+447700916041", first, pbx);
      const moved = await peer("127.0.164.5");
      const re = await call.call.reinvite(audioSdp(moved.host, moved.port, { session: 1 }).replace(" 1 1 IN", " 1 2 IN"));
      assert.equal(re.status, 200, re.text);
      const reoffer = invitesOf(pbx).at(-1);
      assert.ok(reoffer && reoffer !== call.invite, "the PBX got the re-INVITE");
      assertOnlyEdge(sdpFacts(bodyOf(reoffer.text)), media, "the PBX (re-INVITE)");
      const answer = sdpFacts(re.sdp ?? "");
      assertOnlyEdge(answer, media, "the caller (answer to its re-INVITE)");
      await exchangeRtp({ peer: moved, to: answer }, { peer: rtp, to: sdpFacts(bodyOf(reoffer.text)) }, media);
      assert.equal((await call.call.bye()).status, 200);
      assert.deepEqual(await stack().noSessions(), []);
    });

    it("malformed SDP: 488 from the edge, nothing sent to the PBX, no session held", async () => {
      const { pbx } = await pbxFor(51, "tcp", "+917700916051");
      const call = uac.invite(stack().edge.edge, "+917700916051", "this is not a session description\r\n");
      const reply = await call.final;
      assert.equal(reply.status, 488, reply.text);
      assert.match(reply.text, /^SIP\/2\.0 488 Malformed SDP/);
      assert.equal(invitesOf(pbx).length, 0);
      assert.deepEqual(await stack().noSessions(), []);
    });

    it("failover: the first destination's 503 and the second's answer leave one session, gone after BYE; a call every destination fails leaves none", async () => {
      const rtp = await peer("127.0.165.62");
      const failing = await startPbx("127.0.165.61", await freePort(), "tcp", { answer: 503 });
      const answering = await startPbx("127.0.165.62", await freePort(), "tcp", { sdp: () => audioSdp(rtp.host, rtp.port) });
      const failing2 = await startPbx("127.0.165.63", await freePort(), "tcp", { answer: 503 });
      closers.push(failing, answering, failing2);
      const t = await p.trunk("failover");
      await p.destinations(t, [
        { destination: `${failing.address};transport=tcp`, priority: 1 },
        { destination: `${answering.address};transport=tcp`, priority: 2 },
      ]);
      await p.map(t, "+917700916061");
      const dead = await p.trunk("allfail");
      await p.destinations(dead, [{ destination: `${failing2.address};transport=tcp`, priority: 1 }]);
      await p.map(dead, "+917700916062");
      await stack().edge.settled();
      const callerRtp = await peer("127.0.164.5");
      const media = stack().mediaHost;
      const call = await answeredCall(uac, stack().edge.edge, "+917700916061", callerRtp, answering);
      assert.equal(invitesOf(failing).length, 1, "the first destination was tried");
      assertOnlyEdge(sdpFacts(bodyOf(invitesOf(failing)[0]?.text ?? "")), media, "the failed destination");
      assertOnlyEdge(call.pbxSees, media, "the answering destination");
      await exchangeRtp({ peer: callerRtp, to: call.callerSees }, { peer: rtp, to: call.pbxSees }, media);
      assert.equal((await stack().ng.list()).length, 1, "one session for the call, whatever the branches");
      assert.equal((await call.call.bye()).status, 200);
      assert.deepEqual(await stack().noSessions(), []);
      const failed = uac.invite(stack().edge.edge, "+917700916062", audioSdp(callerRtp.host, callerRtp.port));
      // A proxy never relays a 503 (RFC 3261 16.7): the caller gets 500.
      assert.equal((await failed.final).status, 500);
      assert.deepEqual(await stack().noSessions(), [], "no session after a call that failed");
    });

    it("CANCEL while the PBX rings: 487 to the caller, no session held", async () => {
      const { pbx } = await pbxFor(71, "tcp", "+917700916071", { answer: 0 });
      const callerRtp = await peer("127.0.164.5");
      const call = uac.invite(stack().edge.edge, "+917700916071", audioSdp(callerRtp.host, callerRtp.port));
      await until("the PBX rings", () => (invitesOf(pbx).length === 1 ? true : undefined));
      assert.equal((await stack().ng.list()).length, 1, "the offer is held while it rings");
      assert.equal((await call.cancel()).status, 200);
      assert.equal((await call.final).status, 487);
      assert.deepEqual(await stack().noSessions(), [], "no session after CANCEL");
    });

    it("NAT: a PBX whose SDP and Contact name a private address it cannot be reached at gets media both ways, and the caller's BYE", async () => {
      const rtp = await peer("127.0.165.81");
      // Behind NAT: it names 192.168.1.81 (SIP and media); its packets come from 127.0.165.81.
      const { pbx } = await pbxFor(81, "udp", "+447700916081", { sdp: () => audioSdp("192.168.1.81", 40000), contact: "sip:pbx@192.168.1.81:5060" });
      const callerRtp = await peer("127.0.164.5");
      const media = stack().mediaHost;
      const call = await answeredCall(uac, stack().edge.edge, "+447700916081", callerRtp, pbx);
      assertOnlyEdge(call.callerSees, media, "the caller");
      // The PBX speaks first (as a NATed PBX must for its relay to learn where it is), then both.
      await rtp.send({ host: call.pbxSees.host, port: call.pbxSees.port }, 5);
      await exchangeRtp({ peer: callerRtp, to: call.callerSees }, { peer: rtp, to: call.pbxSees }, media);
      assert.equal((await call.call.bye()).status, 200);
      assert.ok(pbx.requests().some((r) => r.method === "BYE"), "the BYE reached the PBX at the address its packets came from");
      assert.deepEqual(await stack().noSessions(), []);
    });
  });
}
