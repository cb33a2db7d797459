import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { Provision } from "../edge/provision.js";
import { startPbx, type Pbx } from "../edge/sipPbx.js";
import { freePort } from "../helpers/process.js";
import { until } from "../helpers/wait.js";
import { answeredCall, assertOnlyEdge, exchangeRtp, invitesOf } from "./calls.js";
import { audioSdp, bodyOf, rtpPeer, sdpFacts, type RtpPeer } from "./rtp.js";
import { describeMedia } from "./stack.js";
import { startUac, type Uac } from "./uac.js";

// The relay dies under the edge (docs/media.md, "How calls are anchored"): new calls get 503
// Media Relay Unavailable (recorded so), never go out with the endpoints' own addresses, the edge
// keeps answering, and calls are anchored again once a relay answers. Edge and relay on
// 127.0.162.1 (media ports 32500-32999); the caller on 127.0.169.5, the PBX on 127.0.169.11.

describeMedia("media relay down and back", "sqlite", "127.0.162.1", { min: 32500, max: 32999 }, (stack) => {
  let uac: Uac;
  let pbx: Pbx;
  let pbxRtp: RtpPeer;
  let callerRtp: RtpPeer;
  const number = "+917700936011";
  before(async () => {
    const p = new Provision((await stack().edge.server.clients("mediadown")).exotel);
    await p.allow(await p.trunk("callers"), "127.0.169.5", 32);
    pbxRtp = await rtpPeer("127.0.169.11");
    pbx = await startPbx("127.0.169.11", await freePort(), "tcp", { sdp: () => audioSdp(pbxRtp.host, pbxRtp.port) });
    const t = await p.trunk("pbx");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(t, number);
    await stack().edge.settled();
    uac = await startUac("127.0.169.5");
    callerRtp = await rtpPeer("127.0.169.5");
  });
  after(async () => {
    uac.close();
    callerRtp.close();
    pbxRtp.close();
    await pbx.stop();
  });

  const records = () => stack().edge.server.runtime.store.db.selectFrom("calls").select(["sip_code", "sip_reason", "status"]).where("to_number", "=", number).orderBy("id").execute();

  it("killed mid-call: the call up still ends (BYE answered), new calls get 503 Media Relay Unavailable at once and are recorded so; the PBX is never offered the caller's own address", async () => {
    const up = await answeredCall(uac, stack().edge.edge, number, callerRtp, pbx);
    await stack().killRelay();
    assert.equal((await up.call.bye()).status, 200, "the BYE of a call up is relayed without its relay");
    const offered = invitesOf(pbx).length;
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const reply = await uac.invite(stack().edge.edge, number, audioSdp(callerRtp.host, callerRtp.port)).final;
      assert.match(reply.text, /^SIP\/2\.0 503 Media Relay Unavailable/, reply.text);
      assert.ok(Date.now() - started < 3000, `answered within the relay's timeout (${Date.now() - started} ms)`);
    }
    assert.equal(invitesOf(pbx).length, offered, "no INVITE reached the PBX without its media anchored");
    const rows = await until("the failures' records", async () => {
      const r = await records();
      return r.length >= 4 ? r : undefined;
    });
    assert.deepEqual(rows.slice(-3).map((r) => [r.status, r.sip_code, r.sip_reason]), Array(3).fill(["failed", 503, "Media Relay Unavailable"]));
    const ended = await stack().edge.server.runtime.store.db.selectFrom("calls").selectAll().where("call_id", "=", up.call.callId).executeTakeFirstOrThrow();
    assert.equal(ended.status, "completed");
    assert.equal(ended.media_packets, null, "no counters from a relay that is gone");
  });

  it("restarted: calls are anchored again by themselves, with media both ways", async () => {
    await stack().startRelay();
    const reply = await until("a call answered again", async () => {
      const call = uac.invite(stack().edge.edge, number, audioSdp(callerRtp.host, callerRtp.port));
      const r = await call.final;
      return r.status === 200 ? { call, r } : undefined;
    }, 10000);
    reply.call.ack();
    const media = stack().mediaHost;
    const pbxSees = invitesOf(pbx).at(-1);
    assert.ok(pbxSees);
    const offer = sdpFacts(bodyOf(pbxSees.text));
    const answer = sdpFacts(reply.r.sdp ?? "");
    assertOnlyEdge(offer, media, "the PBX");
    assertOnlyEdge(answer, media, "the caller");
    await exchangeRtp({ peer: callerRtp, to: answer }, { peer: pbxRtp, to: offer }, media);
    assert.equal((await reply.call.bye()).status, 200);
    assert.deepEqual(await stack().noSessions(), []);
  });
});
