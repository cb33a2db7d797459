import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { NgClient, NgError } from "../../src/media/ng.js";
import { requireRtpengine, startRtpengine, type RunningRelay } from "../../src/media/process.js";
import { freePort } from "../helpers/process.js";
import { until } from "../helpers/wait.js";
import { alive } from "./pid.js";
import { audioSdp, rtpPeer, sdpFacts, type RtpPeer } from "./rtp.js";

/**
 * The media relay process and its ng client against a real rtpengine (userspace): start and stop
 * by PID, ping/statistics, a whole session (offer, answer, RTP both ways counted by packets,
 * query, list, delete), and the failures a caller must be told about. Addresses 127.0.150.x,
 * media ports 30000-30999.
 */

const RELAY = "127.0.150.1";
const ADVERTISED = "127.0.150.9";
const CALLER = "127.0.150.2";
const CALLEE = "127.0.150.3";

describe("media relay: rtpengine process and ng client", () => {
  let relay: RunningRelay;
  let ng: NgClient;

  before(async () => {
    requireRtpengine();
    relay = await startRtpengine({ ngAddress: `${RELAY}:${await freePort()}`, interfaceAddress: RELAY, advertise: ADVERTISED, portMin: 30000, portMax: 30099, threads: 1 });
    ng = new NgClient(relay.ngAddress, { timeoutMs: 1000 });
  });
  after(async () => {
    ng?.close();
    await relay?.stop();
  });

  it("runs in the foreground, userspace, and answers ng ping with pong", async () => {
    assert.ok(alive(relay.pid));
    const cmdline = (await import("node:fs")).readFileSync(`/proc/${relay.pid}/cmdline`, "utf8").split("\0");
    assert.ok(cmdline.includes("--table=-1") && cmdline.includes("--foreground"), cmdline.join(" "));
    await ng.ping();
    const stats = await ng.statistics();
    assert.equal(stats.sessionsCurrent, 0);
    assert.equal(stats.packets, 0);
  });

  it("anchors a session: SDP names the advertised address, RTP flows both ways, query/list/statistics count it, delete leaves nothing", async () => {
    const callId = `relay-test-${Date.now()}`;
    let caller: RtpPeer | undefined;
    let callee: RtpPeer | undefined;
    try {
      caller = await rtpPeer(CALLER);
      callee = await rtpPeer(CALLEE);
      const offer = await ng.offer({ "call-id": callId, "from-tag": "caller", sdp: audioSdp(CALLER, caller.port) });
      const toCallee = sdpFacts(offer.sdp);
      assert.equal(toCallee.host, ADVERTISED, offer.sdp);
      assert.ok(toCallee.port >= 30000 && toCallee.port <= 30099, offer.sdp);
      const answer = await ng.answer({ "call-id": callId, "from-tag": "caller", "to-tag": "callee", sdp: audioSdp(CALLEE, callee.port) });
      const toCaller = sdpFacts(answer.sdp);
      assert.equal(toCaller.host, ADVERTISED, answer.sdp);
      assert.deepEqual(await ng.list(), [callId]);

      // The advertised address is not bound here: packets go to the relay's interface, same ports.
      await Promise.all([caller.send({ host: RELAY, port: toCaller.port }, 25, { intervalMs: 5 }), callee.send({ host: RELAY, port: toCallee.port }, 25, { intervalMs: 5 })]);
      await until("RTP relayed both ways", () => (callee!.received().length === 25 && caller!.received().length === 25 ? true : undefined), 5000, () => `callee got ${callee!.received().length}, caller got ${caller!.received().length}`);
      // Each side hears from the relay port it sends to (symmetric RTP): neither learns the other's address.
      assert.deepEqual(new Set(callee.received().map((p) => p.from)), new Set([`${RELAY}:${toCallee.port}`]));
      assert.deepEqual(new Set(caller.received().map((p) => p.from)), new Set([`${RELAY}:${toCaller.port}`]));

      const query = await ng.query(callId);
      const tags = query.tags as Record<string, { medias: { streams: { stats: { packets: number } }[] }[] }>;
      const packetsIn = (tag: string) => tags[tag]!.medias.flatMap((m) => m.streams).reduce((n, s) => n + s.stats.packets, 0);
      assert.equal(packetsIn("caller"), 25);
      assert.equal(packetsIn("callee"), 25);
      const during = await ng.statistics();
      assert.equal(during.sessionsCurrent, 1);
      assert.equal(during.packets, 50);
      assert.equal(during.bytes, 50 * 172);
      assert.equal(during.errors, 0);

      await ng.delete({ "call-id": callId });
      assert.deepEqual(await ng.list(), []);
      await assert.rejects(ng.query(callId), (e: unknown) => e instanceof NgError && /unknown call-id/i.test(e.reason));
      const done = await ng.statistics();
      assert.equal(done.sessionsCurrent, 0);
      assert.equal(done.sessionsTotal, 1);
      assert.equal(done.packets, 50);
    } finally {
      caller?.close();
      callee?.close();
      await ng.delete({ "call-id": callId }).catch(() => undefined);
    }
  });

  it("answers a malformed request with an ng error naming the reason", async () => {
    await assert.rejects(ng.offer({ "call-id": "bad-sdp", "from-tag": "x", sdp: "this is not SDP" }), (e: unknown) => e instanceof NgError && e.command === "offer" && e.reason.length > 0);
    assert.deepEqual(await ng.list(), []);
  });

  it("refuses a bad ng address before starting anything", async () => {
    await assert.rejects(startRtpengine({ ngAddress: "localhost", interfaceAddress: RELAY, portMin: 30100, portMax: 30199 }), /rtpengine ng address must be IP:PORT/);
  });

  it("refuses an ng address already in use (rtpengine would share it) and leaves no process behind", async () => {
    await assert.rejects(startRtpengine({ ngAddress: relay.ngAddress, interfaceAddress: RELAY, portMin: 30100, portMax: 30199 }), new RegExp(`rtpengine ng address ${relay.ngAddress.replace(/\./g, "\\.")} cannot be used: already in use`));
    await ng.ping(); // the first one is untouched
  });

  it("fails with rtpengine's own words when it cannot start", async () => {
    // Not an address: rtpengine's own check refuses it (the command line's callers check it first).
    await assert.rejects(startRtpengine({ ngAddress: `${RELAY}:${await freePort()}`, interfaceAddress: "999.1.1.1", portMin: 30100, portMax: 30199, startTimeoutMs: 5000 }), (e: unknown) => {
      assert.match((e as Error).message, /rtpengine exited \(code 255\) before answering ng ping/);
      assert.match((e as Error).message, /Invalid interface specification: '999\.1\.1\.1'/);
      return true;
    });
  });

  it("stop() ends it by PID (SIGTERM) and ng then times out", async () => {
    const other = await startRtpengine({ ngAddress: `${RELAY}:${await freePort()}`, interfaceAddress: RELAY, portMin: 30200, portMax: 30299, threads: 1 });
    const client = new NgClient(other.ngAddress, { timeoutMs: 300, retransmitMs: 100 });
    try {
      await client.ping();
      await other.stop();
      assert.equal(alive(other.pid), false);
      assert.equal((await other.exited).signal ?? "exit", (await other.exited).signal ? "SIGTERM" : "exit");
      await assert.rejects(client.ping(), /did not answer 'ping' within 300 ms/);
    } finally {
      client.close();
      await other.stop(0);
    }
  });
});
