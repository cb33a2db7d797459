import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { after, before, it } from "node:test";
import type { CarrierClient } from "../helpers/carrierClient.js";
import type { ExotelClient } from "../helpers/client.js";
import { send } from "../helpers/client.js";
import { freePort } from "../helpers/process.js";
import { expectCall } from "./assertions.js";
import { describeEdge, type EdgeStack } from "./harness.js";
import { Provision } from "./provision.js";
import { call, startUas, type Uas } from "./sipp.js";
import { until } from "../helpers/wait.js";

// Edge on 127.0.140.1; trunk A's PBX (a sipp UAS) on 127.0.140.200; callers on 127.0.141.x.
const NUMBER = "+919800001401";
const SOURCE_A = "127.0.141.1";
const SOURCE_B = "127.0.141.2";


/** /metrics as text. */
async function metrics(s: EdgeStack): Promise<string> {
  const r = await send(`${s.server.baseUrl}/metrics`, "GET");
  assert.equal(r.status, 200);
  return r.text;
}

/** A sample's value, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describeEdge("Live calls per trunk", "127.0.140.1", (stack) => {
  let p: Provision;
  let exotel: ExotelClient;
  let carrier: CarrierClient;
  let pbx: Uas;
  let a = "";
  let b = "";
  const ids = new Map<string, { id: number; uuid: string }>();

  before(async () => {
    const s = stack();
    const clients = await s.server.clients(`live${s.engine}`);
    exotel = clients.exotel;
    carrier = clients.carrier;
    p = new Provision(exotel);
    pbx = await startUas("127.0.140.200", await freePort());
    a = await p.trunk("live_a");
    b = await p.trunk("live_b");
    await p.destinations(a, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(a, NUMBER);
    await p.allow(a, SOURCE_A, 32);
    await p.allow(b, SOURCE_B, 32);
    for (const row of await s.server.runtime.store.db.selectFrom("trunks").select(["id", "sid", "uuid"]).where("sid", "in", [a, b]).execute()) ids.set(row.sid, { id: row.id, uuid: row.uuid });
    await s.settled();
  });
  after(async () => {
    await pbx?.stop();
  });

  /** active_calls of a trunk as GET (one and list) shows it in both dialects, and /metrics. */
  async function seen(sid: string) {
    const one = await exotel.request("GET", `/trunks/${sid}`);
    assert.equal(one.status, 200, one.text);
    const list = await exotel.request("GET", "/trunks");
    const item = (list.body.response.data as Array<{ trunk_sid: string; active_calls: number }>).find((t) => t.trunk_sid === sid);
    const jsonApi = await carrier.request("GET", `/${ids.get(sid)!.uuid}`);
    assert.equal(jsonApi.status, 200, jsonApi.text);
    const items = await carrier.request("GET", "");
    const resource = (items.body.data as Array<{ id: string; attributes: { active_calls: number } }>).find((t) => t.id === ids.get(sid)!.uuid);
    return {
      exotel: one.body.response.data.active_calls as number,
      exotelList: item?.active_calls,
      carrier: jsonApi.body.data.attributes.active_calls as number,
      carrierList: resource?.attributes.active_calls,
      metric: sample(await metrics(stack()), `trunkline_trunk_active_calls{trunk="${sid}"}`),
    };
  }

  it("counts calls up per trunk in both APIs and /metrics while they last, and 0 after BYE", async () => {
    // Idle: 0 in both APIs, no series in /metrics (only trunks with calls are listed).
    assert.deepEqual(await seen(a), { exotel: 0, exotelList: 0, carrier: 0, carrierList: 0, metric: undefined });

    // One call in and out over A (counts once on A); one in over B to A's number (once on each).
    const heldA = call({ edge: stack().edge, from: SOURCE_A, number: NUMBER, timeoutS: 40 }, { expect: 200, holdMs: 8000 });
    const heldB = call({ edge: stack().edge, from: SOURCE_B, number: NUMBER, timeoutS: 40 }, { expect: 200, holdMs: 8000 });
    const up = { exotel: 2, exotelList: 2, carrier: 2, carrierList: 2, metric: 2 };
    const during = await until("both calls counted", async () => {
      const [onA, onB] = [await seen(a), await seen(b)];
      return JSON.stringify(onA) === JSON.stringify(up) && onB.exotel === 1 && onB.metric === 1 ? { onA, onB } : undefined;
    });
    assert.deepEqual(during.onA, up);
    assert.deepEqual(during.onB, { exotel: 1, exotelList: 1, carrier: 1, carrierList: 1, metric: 1 });

    // Read-only: a carrier PATCH naming it changes nothing (unknown attributes are ignored).
    const patched = await carrier.update(ids.get(b)!.uuid, { active_calls: 99 });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.data.attributes.active_calls, 1);
    // A sparse fieldset may ask for it alone.
    const sparse = await carrier.request("GET", `/${ids.get(b)!.uuid}?fields[sip_trunk]=active_calls`);
    assert.deepEqual(sparse.body.data.attributes, { active_calls: 1 });

    expectCall(await heldA, "held call on A");
    expectCall(await heldB, "held call from B");
    const idle = { exotel: 0, exotelList: 0, carrier: 0, carrierList: 0, metric: undefined };
    await until("the calls to be gone after BYE", async () => {
      const [onA, onB] = [await seen(a), await seen(b)];
      return JSON.stringify(onA) === JSON.stringify(idle) && JSON.stringify(onB) === JSON.stringify(idle) ? true : undefined;
    });
  });

  it("counts finished call records by trunk, status and final code in /metrics, as they land", async () => {
    const s = stack();
    const counters = s.server.runtime.edge!.callCounters;
    await counters.ready();
    const db = s.server.runtime.store.db;
    const { id: idA } = ids.get(a)!;
    const { id: idB } = ids.get(b)!;
    const series = {
      aCompleted: `trunkline_calls_total{trunk="${a}",status="completed",code="200"}`,
      aBusy: `trunkline_calls_total{trunk="${a}",status="busy",code="486"}`,
      bBusy: `trunkline_calls_total{trunk="${b}",status="busy",code="486"}`,
      noTrunk: `trunkline_calls_total{trunk="",status="failed",code="403"}`,
      aFailed: `trunkline_calls_total{trunk="${a}",status="failed",code="503"}`,
    };
    const read = async () => {
      const text = await metrics(s);
      return Object.fromEntries(Object.entries(series).map(([k, v]) => [k, sample(text, v) ?? 0])) as Record<keyof typeof series, number>;
    };
    // The edge may have recorded the first test's calls: compare with what is counted now.
    await counters.refresh();
    const before = await read();

    let n = 0;
    const row = (over: Record<string, unknown>) => ({
      sid: randomBytes(16).toString("hex"),
      account_sid: `live${s.engine}`,
      trunk_in_id: idA,
      trunk_out_id: idA,
      direction: "inbound",
      from_number: "caller",
      to_number: NUMBER,
      status: "completed",
      sip_code: 200,
      sip_reason: "OK",
      started_at: "2026-11-30T04:00:00Z",
      ended_at: "2026-11-30T04:00:05Z",
      call_id: `live-${++n}@127.0.141.1`,
      // Every column in every row: SQLite has no DEFAULT in a multi-row VALUES.
      answered_at: null,
      duration: 0,
      attempts: 1,
      ...over,
    });
    await db
      .insertInto("calls")
      .values([
        row({ duration: 5, answered_at: "2026-11-30T04:00:01Z" }),
        row({ trunk_in_id: idB, status: "busy", sip_code: 486, sip_reason: "Busy Here" }),
        row({ account_sid: null, trunk_in_id: null, trunk_out_id: null, direction: null, status: "failed", sip_code: 403, sip_reason: "Forbidden" }),
      ] as never)
      .execute();
    const want = { ...before, aCompleted: before.aCompleted + 1, aBusy: before.aBusy + 1, bBusy: before.bBusy + 1, noTrunk: before.noTrunk + 1 };
    await until("the new records counted", async () => (JSON.stringify(await read()) === JSON.stringify(want) ? true : undefined));

    // An id that lands after a higher one (PostgreSQL hands out ids before commit) still counts.
    const top = Number((await db.selectFrom("calls").select((eb) => eb.fn.max("id").as("max")).executeTakeFirstOrThrow()).max);
    await db.insertInto("calls").values(row({ id: top + 3, status: "failed", sip_code: 503, sip_reason: "Service Unavailable" }) as never).execute();
    await until("the higher id counted", async () => ((await read()).aFailed === before.aFailed + 1 ? true : undefined));
    await db.insertInto("calls").values(row({ id: top + 1, status: "failed", sip_code: 503, sip_reason: "Service Unavailable" }) as never).execute();
    await until("the lower id counted too", async () => ((await read()).aFailed === before.aFailed + 2 ? true : undefined));
    // Counted once: later reads add nothing.
    await counters.refresh();
    await counters.refresh();
    assert.deepEqual(await read(), { ...want, aFailed: before.aFailed + 2 });
    // Ids set by hand: move PostgreSQL's sequence past them for whatever writes next.
    if (s.engine === "postgres") await sql`SELECT setval(pg_get_serial_sequence('calls', 'id'), (SELECT max(id) FROM calls))`.execute(db);
    const text = await metrics(s);
    assert.match(text, /# TYPE trunkline_calls_total counter/);
    assert.match(text, /# TYPE trunkline_trunk_active_calls gauge/);
  });

  it("an edge that stops answering stops counting after its grace polls (its calls are not kept forever)", async () => {
    const s = stack();
    const held = call({ edge: s.edge, from: SOURCE_A, number: NUMBER, timeoutS: 20 }, { expect: 200, holdMs: 15000 });
    await until("the call counted", async () => ((await seen(a)).exotel === 1 ? true : undefined));
    const stoppedAt = Date.now();
    await s.stopEdge();
    // Two more polls keep the last counts (a slow answer is not an outage), then nothing.
    await until("the stopped edge's call gone", async () => {
      const now = await seen(a);
      return now.exotel === 0 && now.carrier === 0 && now.metric === undefined ? true : undefined;
    });
    assert.ok(Date.now() - stoppedAt >= 2000, "kept for at least one more poll");
    assert.equal((await held).ok, false, "the caller's call died with the edge");
    await s.startEdge();
  });
});
