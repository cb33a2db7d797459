import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { CarrierClient } from "../helpers/carrierClient.js";
import type { ExotelClient } from "../helpers/client.js";
import { send } from "../helpers/client.js";
import { freePort } from "../helpers/process.js";
import { parseDispatcherList } from "../../src/edge/health.js";
import { EdgeRpc } from "../../src/edge/rpc.js";
import { expectCall } from "./assertions.js";
import { describeEdge, type EdgeStack } from "./harness.js";
import { Provision } from "./provision.js";
import { startPbx, type Pbx } from "./sipPbx.js";
import { call } from "./sipp.js";
import { until } from "../helpers/wait.js";

// Edge on 127.0.130.1; PBXs on 127.0.130.10x; callers on 127.0.131.x.
// Probes every second; 2 failures in a row mark a destination down, 2 answers bring it back.
const INTERVAL_S = 1;
const DOWN_AFTER = 2;
const UP_AFTER = 2;
const ENV = { TRUNKLINE_EDGE_PROBE_INTERVAL: String(INTERVAL_S), TRUNKLINE_EDGE_PROBE_DOWN_AFTER: String(DOWN_AFTER), TRUNKLINE_EDGE_PROBE_UP_AFTER: String(UP_AFTER) };
/** The harness's fr_timer (a probe without answer times out after it). */
const FR_TIMER_MS = 1000;
/** A destination that stops answering is down after DOWN_AFTER missed probes: each starts within an interval and ends at fr_timer. */
const DOWN_BOUND_MS = (DOWN_AFTER + 1) * INTERVAL_S * 1000 + FR_TIMER_MS;
/** Slack for a loaded 2-core machine (timers, the poll below). */
const SLACK_MS = 4000;


describeEdge(
  "Destination health",
  "127.0.130.1",
  (stack) => {
    let p: Provision;
    let exotel: ExotelClient;
    let carrier: CarrierClient;
    let rpc: EdgeRpc;
    const pbxs: Pbx[] = [];
    /** PBXs (by address) that ignore OPTIONS now. */
    const deaf = new Set<string>();
    const pbx = async (host: string) => {
      const port = await freePort();
      const b = await startPbx(host, port, "tcp", { ignoreOptions: () => deaf.has(`${host}:${port}`) });
      pbxs.push(b);
      return b;
    };
    const invites = (b: Pbx) => b.requests().filter((r) => r.method === "INVITE").length;
    const options = (b: Pbx) => b.probes().length;
    const dial = (number: string) => call({ edge: stack().edge, from: "127.0.131.5", number, transport: "tcp" }, { expect: 200 });
    /** The edge's own view (JSON-RPC dispatcher.list), for the destination at `address` of trunk `sid`. */
    let lastList: unknown;
    const onEdge = async (sid: string, address: string) => parseDispatcherList((lastList = await rpc.call("dispatcher.list"))).find((e) => e.trunkSid === sid && `${e.host}:${e.port}` === address);
    /** GET destination-uris: the item's health. */
    const exotelHealth = async (sid: string, address: string) => {
      const r = await exotel.request("GET", `/trunks/${sid}/destination-uris`);
      assert.equal(r.status, 200, r.text);
      const item = (r.body.response.data as Array<{ destination: string; health: { state: string; rtt_ms: number | null; checked_at: string | null } }>).find((d) => d.destination === `sip:${address};transport=tcp`);
      assert.ok(item, `destination ${address} listed`);
      return item.health;
    };
    const metricsText = async (s: EdgeStack) => {
      const r = await send(`${s.server.baseUrl}/metrics`, "GET");
      assert.equal(r.status, 200);
      return r.text;
    };
    const upSample = (text: string, sid: string, address: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`trunkline_destination_up{trunk="${sid}",destination="sip:${address};transport=tcp",`));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
    };

    before(async () => {
      const s = stack();
      const clients = await s.server.clients(`hl${s.engine}`);
      exotel = clients.exotel;
      carrier = clients.carrier;
      p = new Provision(exotel);
      const src = await p.trunk("health_caller");
      await p.allow(src, "127.0.131.0", 24);
      rpc = new EdgeRpc(s.options.rpcAddress === "0.0.0.0" ? `http://127.0.0.1:${s.options.rpcPort}/RPC` : `http://${s.options.rpcAddress}:${s.options.rpcPort}/RPC`, 3000);
      await s.settled();
    });
    after(async () => {
      rpc?.close();
      for (const b of pbxs) await b.stop();
    });

    it("a destination that stops answering OPTIONS goes down within the bound, is skipped at once, shows down in both APIs and /metrics, and comes back by itself", async () => {
      const s = stack();
      const first = await pbx("127.0.130.101");
      const second = await pbx("127.0.130.102");
      const t = await p.trunk("health_trunk");
      await p.destinations(t, [
        { destination: `${first.address};transport=tcp`, priority: 1 },
        { destination: `${second.address};transport=tcp`, priority: 2 },
      ]);
      await p.map(t, "+919800001301");
      await s.settled();

      // Probed, answered: up on the edge, in both APIs (with an RTT) and in /metrics.
      // The first probes wait for the dispatcher reload of the new destinations, then an interval;
      // on a loaded machine that has taken over 20 s once (PostgreSQL), so the bound is generous
      // and a miss says which half was missing.
      await until(
        "the first OPTIONS probe answered",
        async () => (options(first) > 0 && (await onEdge(t, first.address))?.rttMs != null ? true : undefined),
        45_000,
        () => `OPTIONS received by ${first.address}: ${options(first)}; the edge's entry: ${JSON.stringify(parseDispatcherList(lastList).find((e) => `${e.host}:${e.port}` === first.address) ?? null)}`,
      );
      const up = await until("health up in the Exotel API", async () => {
        const h = await exotelHealth(t, first.address);
        return h.state === "up" && h.rtt_ms !== null ? h : undefined;
      });
      assert.equal(typeof up.rtt_ms, "number");
      assert.match(up.checked_at ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const probe = first.probes()[0];
      assert.match(probe?.line ?? "", new RegExp(`^OPTIONS sip:${t}@${first.address.replace(/\./g, "\\.")};transport=tcp SIP/2\\.0$`), "the probe names the trunk");
      // Probes leave from the edge's SIP socket (not the JSON-RPC listener): Via names it.
      assert.match(probe?.text ?? "", new RegExp(`^Via: SIP/2\\.0/TCP ${s.edge.replace(/\./g, "\\.")};`, "mi"));
      expectCall(await dial("+919800001301"), "both up: the first priority answers");
      assert.deepEqual([invites(first), invites(second)], [1, 0]);

      // The first stops answering OPTIONS (INVITEs still get answered: a call there would succeed).
      const stoppedAt = Date.now();
      deaf.add(first.address);
      await until("the edge marks the first destination down", async () => ((await onEdge(t, first.address))?.up === false ? true : undefined), DOWN_BOUND_MS + SLACK_MS);
      const tookMs = Date.now() - stoppedAt;
      assert.ok(tookMs <= DOWN_BOUND_MS + SLACK_MS, `down after ${tookMs} ms (bound ${DOWN_BOUND_MS} ms + slack)`);

      // Skipped: the next call goes straight to the second (the first never sees the INVITE).
      const started = Date.now();
      expectCall(await dial("+919800001301"), "first down: the second answers");
      assert.deepEqual([invites(first), invites(second)], [1, 1], "the down destination is skipped");
      assert.ok(Date.now() - started < FR_TIMER_MS + 2500, "no fr_timer wait on the down destination");

      // The edge reloads its destinations (one added to another trunk): it still knows the first is down.
      const other = await p.trunk("health_other");
      await p.destinations(other, [{ destination: "127.0.130.109:5060;transport=tcp" }]);
      await s.settled();
      assert.equal((await onEdge(t, first.address))?.up, false, "still down after the edge reloaded its destinations");
      expectCall(await dial("+919800001301"), "after a reload: the second answers");
      assert.deepEqual([invites(first), invites(second)], [1, 2], "still skipped after the reload");

      // Down in both APIs and /metrics; the other stays up.
      await until("down in the Exotel API", async () => ((await exotelHealth(t, first.address)).state === "down" ? true : undefined), 10000);
      assert.equal((await exotelHealth(t, second.address)).state, "up");
      const uuid = (await s.server.runtime.store.db.selectFrom("trunks").select("uuid").where("sid", "=", t).executeTakeFirstOrThrow()).uuid;
      const resource = await carrier.request("GET", `/${uuid}`);
      assert.equal(resource.status, 200, resource.text);
      const outboundHealth = resource.body.data.attributes.outbound_host_health as { state: string; rtt_ms: number | null; checked_at: string };
      assert.equal(resource.body.data.attributes.outbound_host, first.address, "outbound_host is the first destination");
      assert.equal(outboundHealth.state, "down");
      assert.deepEqual(Object.keys(outboundHealth), ["state", "rtt_ms", "checked_at"]);
      const text = await metricsText(s);
      assert.equal(upSample(text, t, first.address), 0, "trunkline_destination_up 0 for the down destination");
      assert.equal(upSample(text, t, second.address), 1);
      // RTT once the up destination's probes were answered (a reload starts its statistics afresh).
      const rtt = new RegExp(`^trunkline_destination_rtt_ms\\{trunk="${t}",destination="sip:${second.address.replace(/\./g, "\\.")};transport=tcp",edge="[^"]+"\\} \\d+$`, "m");
      let lastMetrics = "";
      await until("the RTT of the up destination in /metrics", async () => (rtt.test((lastMetrics = await metricsText(s))) ? true : undefined), 30_000, () =>
        `edge: ${JSON.stringify(parseDispatcherList(lastList).find((e) => `${e.host}:${e.port}` === second.address) ?? null)}; /metrics: ${lastMetrics.split("\n").filter((l) => l.startsWith("trunkline_destination_")).join(" | ")}`,
      );

      // Answers again: up by itself after UP_AFTER answers, and calls go to it again.
      deaf.delete(first.address);
      await until("the edge brings the first destination back up", async () => ((await onEdge(t, first.address))?.up === true ? true : undefined), (UP_AFTER + 2) * INTERVAL_S * 1000 + SLACK_MS);
      await until("up in the Exotel API", async () => ((await exotelHealth(t, first.address)).state === "up" ? true : undefined), 10000);
      await until("up in /metrics", async () => (upSample(await metricsText(s), t, first.address) === 1 ? true : undefined), 10000);
      expectCall(await dial("+919800001301"), "first up again: it answers");
      assert.deepEqual([invites(first), invites(second)], [2, 2]);

      // One log line per state change, naming the destination and the trunk.
      const downLines = s.log().split("\n").filter((l) => l.includes(`destination ${first.address} of trunk ${t} down`));
      const upLines = s.log().split("\n").filter((l) => l.includes(`destination ${first.address} of trunk ${t} up`));
      assert.equal(downLines.length, 1, s.log().slice(-3000));
      assert.equal(upLines.length, 1, s.log().slice(-3000));
      assert.match(downLines[0] ?? "", /OPTIONS: 408 /);
    });

    it("with every destination down, a call still tries them in priority order (answered by one that answers INVITE)", async () => {
      const s = stack();
      const first = await pbx("127.0.130.111");
      const second = await pbx("127.0.130.112");
      const t = await p.trunk("all_down_trunk");
      deaf.add(first.address);
      deaf.add(second.address);
      await p.destinations(t, [
        { destination: `${second.address};transport=tcp`, priority: 2 },
        { destination: `${first.address};transport=tcp`, priority: 1 },
      ]);
      await p.map(t, "+919800001302");
      await s.settled();
      await until(
        "both destinations down on the edge",
        async () => {
          const [a, b] = [await onEdge(t, first.address), await onEdge(t, second.address)];
          return a?.up === false && b?.up === false ? true : undefined;
        },
        DOWN_BOUND_MS + SLACK_MS + 2000,
      );
      expectCall(await dial("+919800001302"), "all down: still tried");
      assert.deepEqual([invites(first), invites(second)], [1, 0], "the first priority is tried first, and answers");
      await until("down in the Exotel API", async () => ((await exotelHealth(t, second.address)).state === "down" ? true : undefined), 10000);
    });
  },
  ENV,
);
