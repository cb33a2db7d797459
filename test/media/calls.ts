import assert from "node:assert/strict";
import { until } from "../helpers/wait.js";
import type { Pbx, PbxRequest } from "../edge/sipPbx.js";
import { audioSdp, bodyOf, sdpFacts, type RtpPeer, type SdpFacts } from "./rtp.js";
import type { Reply, Uac, UacCall } from "./uac.js";

/** The INVITEs (first and re-INVITEs) a PBX received, in order. */
export const invitesOf = (pbx: Pbx): PbxRequest[] => pbx.requests().filter((r) => r.method === "INVITE");

/** Every address an SDP names is the edge's media address. */
export function assertOnlyEdge(facts: SdpFacts, mediaHost: string, who: string): void {
  assert.deepEqual([...new Set(facts.addresses)], [mediaHost], `${who} sees only the edge's media address: ${facts.addresses.join(", ")}`);
  assert.equal(facts.host, mediaHost, `${who} sends its media to the edge`);
}

/** Waits until `peer` has `count` packets from `from` (host or host:port), and returns them. */
export async function packetsFrom(peer: RtpPeer, from: string, count: number, timeoutMs = 5000): Promise<number> {
  const mine = () => peer.received().filter((p) => p.from === from || p.from.startsWith(`${from}:`)).length;
  return until(`${count} RTP packets from ${from} at ${peer.host}:${peer.port}`, () => (mine() >= count ? mine() : undefined), timeoutMs, () => `received: ${peer.received().length} from ${[...new Set(peer.received().map((p) => p.from))].join(", ")}`);
}

export interface AnsweredCall {
  call: UacCall;
  /** The 200 the caller got. */
  reply: Reply;
  /** What the caller was answered with, and what the PBX was offered. */
  callerSees: SdpFacts;
  pbxSees: SdpFacts;
  invite: PbxRequest;
}

/** Calls `number` from `uac` offering its RTP peer; expects 200 with an SDP and ACKs it. */
export async function answeredCall(uac: Uac, edge: string, number: string, callerRtp: RtpPeer, pbx: Pbx, options: { proto?: string; crypto?: string[] } = {}): Promise<AnsweredCall> {
  const before = invitesOf(pbx).length;
  const call = uac.invite(edge, number, audioSdp(callerRtp.host, callerRtp.port, options));
  const reply = await call.final;
  assert.equal(reply.status, 200, reply.text);
  assert.ok(reply.sdp, `the 200 carries an SDP: ${reply.text}`);
  call.ack();
  const invite = invitesOf(pbx)[before];
  assert.ok(invite, "the PBX got the INVITE");
  return { call, reply, callerSees: sdpFacts(reply.sdp), pbxSees: sdpFacts(bodyOf(invite.text)), invite };
}

/**
 * RTP both ways through the edge: `count` packets from the caller's peer to where its answer
 * said, and from the PBX's peer to where its offer said; each side must get them all, from the
 * edge's media address.
 */
export async function exchangeRtp(a: { peer: RtpPeer; to: SdpFacts }, b: { peer: RtpPeer; to: SdpFacts }, mediaHost: string, count = 20): Promise<void> {
  const had = (peer: RtpPeer) => peer.received().filter((p) => p.from.startsWith(`${mediaHost}:`)).length;
  const [aHad, bHad] = [had(a.peer), had(b.peer)];
  await Promise.all([a.peer.send({ host: a.to.host, port: a.to.port }, count), b.peer.send({ host: b.to.host, port: b.to.port }, count)]);
  assert.equal((await packetsFrom(b.peer, mediaHost, bHad + count)) - bHad, count, "the PBX got every packet the caller sent, from the edge");
  assert.equal((await packetsFrom(a.peer, mediaHost, aHad + count)) - aHad, count, "the caller got every packet the PBX sent, from the edge");
}
