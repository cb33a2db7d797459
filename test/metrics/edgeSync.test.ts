import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEdgeStack, type EdgeStack } from "../edge/harness.js";
import { ENGINES } from "../helpers/stores.js";
import { until } from "../helpers/wait.js";
import { parseExposition, type Exposition } from "./prometheusText.js";

const SYNC = "trunkline_edge_sync_total";

/**
 * Edge sync in /metrics with a real Kamailio edge: its first full reload, the key updates a
 * change sends, a failure while it is stopped and the full reload once it is back, each counted
 * and timed, and the time of the last success.
 */
for (const [i, engine] of ENGINES.entries()) {
  describe(`edge sync metrics [${engine}]`, () => {
    let stack: EdgeStack;
    const metrics = async (): Promise<Exposition> => parseExposition(await (await fetch(`${stack.server.baseUrl}/metrics`)).text());
    const syncs = (e: Exposition, kind: string, result: string) => e.find(SYNC, { kind, result }).reduce((n, s) => n + s.value, 0);
    const timed = (e: Exposition, kind: string) => e.find("trunkline_edge_sync_duration_seconds_count", { kind }).reduce((n, s) => n + s.value, 0);

    before(async () => {
      stack = await startEdgeStack(engine, `127.0.220.${10 + i}`);
    });
    after(async () => {
      await stack?.close();
    });

    it("counts and times full reloads and key updates per edge, failures included", async () => {
      await stack.settled();
      let e = await metrics();
      assert.equal(e.types.get(SYNC), "counter");
      assert.equal(e.types.get("trunkline_edge_sync_duration_seconds"), "histogram");
      const edges = new Set(e.find(SYNC).map((s) => s.labels.edge));
      assert.equal(edges.size, 1, "one edge");
      const [edge] = [...edges] as [string];
      assert.match(edge, /^http:\/\/127\.0\.0\.1:\d+\/RPC$/);
      assert.ok(syncs(e, "full", "ok") >= 1, "the first full reload");
      const last = e.value("trunkline_edge_last_sync_timestamp_seconds", { edge });
      assert.ok(Math.abs(last - Date.now() / 1000) < 120, `a recent Unix time: ${last}`);
      // The edge's call record queue, read from its statistics at scrape time (no calls here: zeros).
      assert.equal(e.types.get("trunkline_edge_call_records_queued"), "gauge");
      for (const name of ["trunkline_edge_call_records_written_total", "trunkline_edge_call_records_dropped_total", "trunkline_edge_call_record_flush_failures_total"]) {
        assert.equal(e.types.get(name), "counter", name);
        assert.equal(e.value(name, { edge }), 0, name);
      }
      assert.equal(e.value("trunkline_edge_call_records_queued", { edge }), 0);

      // A change: key updates, counted as one update each time it is applied.
      const updatesBefore = syncs(e, "update", "ok");
      const { exotel } = await stack.server.clients("syncmetrics");
      await exotel.createTrunk("sync_metrics");
      await stack.settled();
      e = await metrics();
      assert.ok(syncs(e, "update", "ok") > updatesBefore, `updates counted: ${updatesBefore} → ${syncs(e, "update", "ok")}`);
      for (const kind of ["full", "update"]) assert.equal(timed(e, kind), syncs(e, kind, "ok") + syncs(e, kind, "failed"), `each ${kind} timed`);

      // Stopped: the next change fails (counted), and once it is back a full reload succeeds.
      const fullBefore = syncs(e, "full", "ok");
      await stack.stopEdge();
      await exotel.createTrunk("sync_metrics2");
      await until("a failed sync counted", async () => {
        const m = await metrics();
        return syncs(m, "full", "failed") + syncs(m, "update", "failed") >= 1 ? true : undefined;
      }, 15000);
      await stack.startEdge();
      e = await metrics();
      assert.ok(syncs(e, "full", "ok") > fullBefore, "the full reload after it came back");
      assert.ok(e.value("trunkline_edge_update_failures_total", { edge }) >= 1, "the older failure counter agrees");
      for (const kind of ["full", "update"]) assert.equal(timed(e, kind), syncs(e, kind, "ok") + syncs(e, kind, "failed"), `each ${kind} timed`);
    });
  });
}
