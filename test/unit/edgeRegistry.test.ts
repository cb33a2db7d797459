import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { sql } from "kysely";
import { EdgeReloader } from "../../src/edge/reloader.js";
import { loadConfig } from "../../src/config.js";
import { edgeOptions } from "../../src/edge/config.js";
import { edgeInfo, listEdges, startEdgeHeartbeat, trunklineVersion } from "../../src/edge/registry.js";
import { ChangeFeed } from "../../src/services/changeFeed.js";
import type { Store } from "../../src/store/db.js";
import { ENGINES } from "../helpers/stores.js";
import { startFakeEdge } from "./fakeEdge.js";
import { ageHeartbeat, assertProbeGatesBeats, assertRegistrationLifecycle, useMigratedStore } from "./registrations.js";
import { until } from "../helpers/wait.js";


const quiet = { warn: () => {}, info: () => {} };


describe("edge registry settings", () => {
  it("defaults, and errors that name the variable", () => {
    const c = loadConfig({});
    assert.deepEqual([c.edgeRegion, c.edgeHeartbeatSeconds, c.edgeForgetAfterSeconds], [undefined, 5, 86400]);
    assert.equal(loadConfig({ TRUNKLINE_EDGE_REGION: "us-east-1" }).edgeRegion, "us-east-1");
    assert.throws(() => loadConfig({ TRUNKLINE_EDGE_REGION: "mars-1" }), /TRUNKLINE_EDGE_REGION 'mars-1' is not a configured region \(ap-south-1, ap-southeast-1, us-east-1\)/);
    assert.throws(() => loadConfig({ TRUNKLINE_EDGE_HEARTBEAT_SECONDS: "0" }), /TRUNKLINE_EDGE_HEARTBEAT_SECONDS must be at least 1/);
    assert.throws(() => loadConfig({ TRUNKLINE_EDGE_FORGET_AFTER: "1d" }), /TRUNKLINE_EDGE_FORGET_AFTER must be a non-negative integer/);
  });

  it("an edge registers its RPC URL, the SIP address callers are told (advertised if set) and its region", () => {
    const config = loadConfig({ TRUNKLINE_EDGE_REGION: "ap-southeast-1" });
    const env = { TRUNKLINE_EDGE_LISTEN: "10.0.0.5:5060", TRUNKLINE_EDGE_RPC: "10.0.0.5:5071" };
    assert.deepEqual(edgeInfo(edgeOptions(config, env), config), { rpcUrl: "http://10.0.0.5:5071/RPC", sipAddress: "10.0.0.5:5060", region: "ap-southeast-1" });
    const natted = edgeOptions(config, { ...env, TRUNKLINE_EDGE_RPC: "0.0.0.0:5071", TRUNKLINE_EDGE_ADVERTISE: "203.0.113.10" });
    assert.deepEqual(edgeInfo(natted, loadConfig({})), { rpcUrl: "http://127.0.0.1:5071/RPC", sipAddress: "203.0.113.10:5060", region: "ap-south-1" });
  });
});

for (const engine of ENGINES) {
  describe(`edge registry [${engine}]`, () => {
    const storeOf = useMigratedStore(engine);
    let store: Store;
    before(() => {
      store = storeOf();
    });

    it("an edge registers, heartbeats, is down after three missed beats or at once on a clean stop, and is forgotten after the forget time", async () => {
      const info = { rpcUrl: "http://127.0.0.110:5071/RPC", sipAddress: "127.0.110.1:5060", region: "ap-south-1" };
      await assertRegistrationLifecycle({
        start: (intervalSeconds) => startEdgeHeartbeat(store, info, { intervalSeconds, log: quiet }),
        list: (forgetAfterSeconds) => listEdges(store, forgetAfterSeconds),
        age: (seconds) => ageHeartbeat(store, "edges", info.rpcUrl, seconds),
        checkFirst: (first) => assert.deepEqual([first.rpcUrl, first.sipAddress, first.region, first.version, first.heartbeatSeconds], [info.rpcUrl, info.sipAddress, info.region, trunklineVersion(), 1]),
      });
      assert.equal((await store.db.selectFrom("edges").selectAll().execute()).length, 0);
    });

    it("no answer from Kamailio, no heartbeat: beats stop while the probe fails (one warning) and resume when it answers", async () => {
      await store.db.deleteFrom("edges").execute();
      const info = { rpcUrl: "http://127.0.0.114:5071/RPC", sipAddress: "127.0.114.1:5060", region: "ap-south-1" };
      await assertProbeGatesBeats(
        ({ log, probe }) => startEdgeHeartbeat(store, info, { intervalSeconds: 1, log, probe }),
        async () => (await listEdges(store))[0]!.heartbeatAt,
        { warning: "edge heartbeat skipped; API processes show the edge down after missed heartbeats", resumed: "edge heartbeat written again" },
      );
    });

    it("the reloader finds a registered edge, reconciles it, leaves it alone while down, reconciles it when it beats again, and drops it once forgotten", async () => {
      await store.db.deleteFrom("edges").execute(); // whatever an earlier test left
      const edge = await startFakeEdge();
      const feed = new ChangeFeed();
      const info = { rpcUrl: edge.url, sipAddress: "127.0.111.1:5060", region: "us-east-1" };
      const reloader = new EdgeReloader({ store, feed, urls: [], discover: { intervalMs: 100, forgetAfterSeconds: 3600 }, pollMs: 100, log: quiet }).start();
      try {
        assert.deepEqual(reloader.status(), [], "no edge yet");
        const beat = await startEdgeHeartbeat(store, info, { intervalSeconds: 1, log: quiet });
        const synced = await until("the edge in sync", () => reloader.status().find((e) => e.state === "in_sync"));
        assert.deepEqual(
          { url: synced.url, region: synced.region, sip: synced.sipAddress, up: synced.up, configured: synced.configured },
          { url: edge.url, region: "us-east-1", sip: "127.0.111.1:5060", up: true, configured: false },
        );
        assert.deepEqual(
          edge.of("htable.reload").map((c) => c.params[0]),
          ["numbers", "trunks", "routes", "countries"],
          "a full reload: every htable",
        );
        assert.equal(edge.of("dispatcher.reload").length, 1);
        assert.equal(edge.of("permissions.addressReload").length, 1);

        // A change reaches it key by key.
        await sql`INSERT INTO accounts (sid, api_key, token_hash, created_at, updated_at) VALUES ('acc', 'k', 'h', 't', 't')`.execute(store.db);
        const { id } = await store.db
          .insertInto("trunks")
          .values({ sid: "tr1", uuid: "u1", account_sid: "acc", name: "n", nso_code: "x", domain_name: "d", auth_type: "a", status: "s", region: "ap-south-1", authentication_mode: "m", max_channels: null, inbound_country: null, outbound_dial_string_prefix: null, created_at: "t", updated_at: "t" })
          .returning("id")
          .executeTakeFirstOrThrow();
        await store.db.insertInto("phone_numbers").values({ trunk_id: id, number: "+919800000111", mode: null, created_at: "t", updated_at: "t" }).execute();
        feed.publish([{ accountSid: "acc", trunkId: id, kind: "phone_number", action: "created" }]);
        await reloader.settled();
        assert.deepEqual(edge.of("htable.sets").map((c) => c.params), [["numbers", "919800000111", `${id}:pstn`]]);

        // Stopped cleanly: down at once, nothing sent to it meanwhile.
        await beat.stop();
        const mine = () => reloader.status().find((e) => e.url === edge.url);
        await until("the edge down", () => (mine()?.state === "down" ? true : undefined));
        assert.equal(mine()?.up, false);
        const sentBefore = edge.calls.filter((c) => c.method !== "core.uptime").length;
        await store.db.insertInto("phone_numbers").values({ trunk_id: id, number: "+919800000112", mode: "flow", created_at: "t", updated_at: "t" }).execute();
        feed.publish([{ accountSid: "acc", trunkId: id, kind: "phone_number", action: "created" }]);
        await reloader.settled();
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(edge.calls.filter((c) => c.method !== "core.uptime").length, sentBefore, "a down edge is left alone");

        // Beats again (a new start): reconciled with a full reload, so it has what it missed.
        const back = await startEdgeHeartbeat(store, info, { intervalSeconds: 1, log: quiet });
        await until("the edge in sync again", () => (mine()?.state === "in_sync" ? true : undefined));
        assert.equal(edge.of("dispatcher.reload").length, 2, "a second full reload");
        await back.stop();

        // Forgotten: gone from the list.
        await store.db.deleteFrom("edges").execute();
        await until("the edge dropped", () => (reloader.status().length === 0 ? true : undefined));
      } finally {
        await reloader.stop();
        await edge.close();
      }
    });

    it("an edge also listed in TRUNKLINE_EDGE_RPC_URLS is one edge, with its registration's region, and is always written to", async () => {
      await store.db.deleteFrom("edges").execute();
      const edge = await startFakeEdge();
      const feed = new ChangeFeed();
      const reloader = new EdgeReloader({ store, feed, urls: [edge.url], discover: { intervalMs: 100 }, pollMs: 100, log: quiet }).start();
      try {
        await reloader.settled();
        assert.deepEqual(reloader.status().map((e) => [e.url, e.state, e.configured, e.region]), [[edge.url, "in_sync", true, undefined]]);
        const beat = await startEdgeHeartbeat(store, { rpcUrl: edge.url, sipAddress: "127.0.111.2:5060", region: "ap-southeast-1" }, { intervalSeconds: 1, log: quiet });
        await until("its registration", () => (reloader.status()[0]?.region === "ap-southeast-1" ? true : undefined));
        assert.equal(reloader.status().length, 1);
        await beat.stop();
        await until("shown down", () => (reloader.status()[0]?.state === "down" ? true : undefined));
        // Configured: still written to, whatever its heartbeat says.
        feed.publish([{ accountSid: "acc", trunkId: 1, kind: "whitelisted_ip", action: "created" }]);
        await reloader.settled();
        await until("the change sent", () => (edge.of("permissions.addressReload").length === 2 ? true : undefined));
        // Forgotten as a registration, kept as configured.
        await store.db.deleteFrom("edges").execute();
        await until("back to configured only", () => (reloader.status()[0]?.region === undefined ? true : undefined));
        assert.deepEqual(reloader.status().map((e) => [e.url, e.state, e.configured]), [[edge.url, "in_sync", true]]);
      } finally {
        await reloader.stop();
        await edge.close();
      }
    });
  });
}
