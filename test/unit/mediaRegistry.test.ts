import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { before, describe, it } from "node:test";
import { bdecode, bencode, type BValue } from "../../src/media/bencode.js";
import { listMediaRelays, startRelayHeartbeat } from "../../src/media/registry.js";
import { trunklineVersion } from "../../src/registry/heartbeat.js";
import { MediaRelayStatus } from "../../src/media/status.js";
import type { Store } from "../../src/store/db.js";
import { ENGINES } from "../helpers/stores.js";
import { until } from "../helpers/wait.js";
import { ageHeartbeat, assertProbeGatesBeats, assertRegistrationLifecycle, useMigratedStore } from "./registrations.js";

/**
 * The media relay registry and the API's status poller on both engines, without rtpengine: a
 * small UDP responder answers ng statistics as rtpengine 10.5 does (test/media/* use the real one).
 */

const quiet = { warn: () => {}, info: () => {} };

/** Answers ng statistics with fixed counters while `answering`. */
async function fakeRelay(host: string): Promise<{ address: string; answering: boolean; close(): void }> {
  const socket: Socket = createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, host, r));
  const state = { address: `${host}:${socket.address().port}`, answering: true, close: () => socket.close() };
  socket.on("message", (msg, from) => {
    if (!state.answering) return;
    const space = msg.indexOf(0x20);
    const body = bdecode(msg.subarray(space + 1)) as { command: string };
    const answer: BValue =
      body.command === "statistics"
        ? { result: "ok", statistics: { currentstatistics: { sessionsown: 2 }, totalstatistics: { managedsessions: 5, relayedpackets: 900, relayedbytes: 154800, relayedpacketerrors: 1, uptime: "10" } } }
        : { result: "pong" };
    socket.send(Buffer.concat([msg.subarray(0, space + 1), bencode(answer)]), from.port, from.address);
  });
  return state;
}

for (const engine of ENGINES) {
  describe(`media relay registry [${engine}]`, () => {
    const storeOf = useMigratedStore(engine);
    let store: Store;
    before(() => {
      store = storeOf();
    });

    it("registers, heartbeats, is down after three missed beats or stopped at once, is taken over by a restart, and forgotten later", async () => {
      const info = { ngAddress: "127.0.150.50:2223", mediaAddress: "203.0.113.50" };
      await assertRegistrationLifecycle({
        start: (seconds) => startRelayHeartbeat(store, info, { seconds, log: quiet }),
        list: (forgetAfterSeconds) => listMediaRelays(store, forgetAfterSeconds),
        age: (seconds) => ageHeartbeat(store, "media_relays", info.ngAddress, seconds),
        checkFirst: (first) => assert.deepEqual([first.ngAddress, first.mediaAddress, first.version, first.heartbeatSeconds], [info.ngAddress, info.mediaAddress, trunklineVersion(), 1]),
      });
    });

    it("no pong, no heartbeat: one warning, and beats again when the relay answers", async () => {
      await store.db.deleteFrom("media_relays").execute();
      await assertProbeGatesBeats(
        ({ log, probe }) => startRelayHeartbeat(store, { ngAddress: "127.0.150.51:2223", mediaAddress: "127.0.150.51" }, { seconds: 1, log, probe }),
        async () => (await listMediaRelays(store))[0]!.heartbeatAt,
        { warning: "media relay heartbeat skipped; API processes show the relay down after missed heartbeats", resumed: "media relay heartbeat written again" },
      );
    });

    it("the status poller: up with its counters, down (media degraded) when it stops answering, up again, stopped is not degraded", async () => {
      await store.db.deleteFrom("media_relays").execute();
      const relay = await fakeRelay("127.0.150.52");
      const status = new MediaRelayStatus({ store, intervalMs: 200, log: quiet });
      assert.equal(status.check(), "absent");
      const beat = await startRelayHeartbeat(store, { ngAddress: relay.address, mediaAddress: "127.0.150.52" }, { seconds: 5, log: quiet });
      try {
        status.start();
        const up = await until("the relay up", () => status.status().find((r) => r.state === "up"));
        assert.deepEqual(up.statistics, { sessionsCurrent: 2, sessionsTotal: 7, packets: 900, bytes: 154800, errors: 1, uptimeSeconds: 10 });
        assert.equal(status.check(), "ok");
        relay.answering = false;
        const down = await until("the relay down", () => status.status().find((r) => r.state === "down"), 10000);
        assert.match(down.lastError ?? "", /did not answer 'statistics' within 1000 ms/);
        assert.equal(down.statistics, undefined);
        assert.equal(status.check(), "degraded");
        relay.answering = true;
        await until("the relay up again", () => status.status().find((r) => r.state === "up"), 10000);
        await beat.stop();
        await until("the relay stopped", () => status.status().find((r) => r.state === "stopped"));
        assert.equal(status.check(), "ok");
      } finally {
        beat.halt();
        await status.stop();
        relay.close();
      }
    });
  });
}
