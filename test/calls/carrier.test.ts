import assert from "node:assert/strict";
import { before, it } from "node:test";
import type { CarrierClient } from "../helpers/carrierClient.js";
import { send, type Json } from "../helpers/client.js";
import { describeOnEngines } from "../helpers/server.js";
import { addSeconds, ago, insertCall, trunkIdOf } from "./fixture.js";

describeOnEngines("carrier phone_calls", (server) => {
  let a: CarrierClient;
  let b: CarrierClient;
  let trunkA: { id: number; uuid: string };
  let trunkA2: { id: number; uuid: string };
  let trunkB: { id: number; uuid: string };
  const t0 = ago(86400 * 45);
  const sids: string[] = [];
  let foreign: string;

  const get = (client: CarrierClient, path: string) => send(`${client.baseUrl}/carrier/v1/phone_calls${path}`, "GET", { headers: { authorization: `Bearer ${client.token}` } });
  const ids = (body: Json) => (body.data as Json[]).map((d) => d.id as string);
  const bad = async (query: string, parameter: string, detail: string) => {
    const r = await get(a, `?${query}`);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.errors.length, 1, r.text);
    assert.deepEqual(r.body.errors[0], { status: "400", code: "invalid_parameter", title: detail.slice(parameter.length + 1), detail, source: { parameter } });
  };

  before(async () => {
    const s = server();
    const ca = await s.clients("pcalla");
    const cb = await s.clients("pcallb");
    a = ca.carrier;
    b = cb.carrier;
    const store = s.runtime.store;
    trunkA = await trunkIdOf(store, await ca.exotel.createTrunk("a_one"));
    trunkA2 = await trunkIdOf(store, await ca.exotel.createTrunk("a_two"));
    trunkB = await trunkIdOf(store, await cb.exotel.createTrunk("b_one"));
    // Six calls a minute apart, oldest first (45 days ago: the carrier list has no default window).
    const statuses = ["completed", "busy", "failed", "no-answer", "canceled", "completed"] as const;
    for (let i = 0; i < 6; i++) {
      const status = statuses[i] as string;
      sids.push(
        await insertCall(store, {
          account_sid: "pcalla", trunk_in_id: trunkA.id, trunk_out_id: i % 2 ? trunkA2.id : null, direction: i % 2 ? "outbound" : "inbound", status,
          sip_code: status === "completed" ? 200 : 486, sip_reason: status === "completed" ? "OK" : "Busy Here", started_at: addSeconds(t0, i * 60), ended_at: addSeconds(t0, i * 60 + 30),
          duration: status === "completed" ? 25 : 0, attempts: 1, destination_first: "sip:10.0.0.9:5060", destination: status === "completed" ? "sip:10.0.0.9:5060" : null,
          dial_string: i % 2 ? "+14155550100" : null, phone_number: i % 2 ? null : "+912240000001", answered_at: status === "completed" ? addSeconds(t0, i * 60 + 5) : null, ring_ms: 1200, edge_id: "127.0.0.1:5060",
          ...(i === 2 ? { hops: [{ hop: 1, destination: "sip:10.0.0.8:5060", sip_code: 503, sip_reason: "Service Unavailable", at: addSeconds(t0, 121) }] } : {}),
        }),
      );
    }
    foreign = await insertCall(store, { account_sid: "pcallb", trunk_in_id: trunkB.id, direction: "inbound", started_at: addSeconds(t0, 30) });
  });

  it("GET one: type phone_call, id the call sid, attributes mirroring the record", async () => {
    const r = await get(a, `/${sids[2]}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get("content-type"), "application/vnd.api+json");
    const self = `${a.baseUrl}/carrier/v1/phone_calls/${sids[2]}`;
    assert.deepEqual(r.body, {
      data: {
        id: sids[2], type: "phone_call",
        attributes: {
          direction: "inbound", status: "failed", from: "+14155550100", to: "+14155550199", dial_string: null, phone_number: "+912240000001", inbound_sip_trunk_id: trunkA.uuid,
          outbound_sip_trunk_id: null, sip_code: 486, sip_reason: "Busy Here", destination_first: "sip:10.0.0.9:5060", destination: null, attempts: 1,
          hops: [{ hop: 1, destination: "sip:10.0.0.8:5060", sip_code: 503, sip_reason: "Service Unavailable", at: addSeconds(t0, 121) }],
          started_at: addSeconds(t0, 120), answered_at: null, ended_at: addSeconds(t0, 150), duration: 0, ring_ms: 1200, edge_id: "127.0.0.1:5060", call_id: `${sids[2]}@127.0.0.1`, media: null,
          created_at: addSeconds(t0, 120), updated_at: addSeconds(t0, 150),
        },
        links: { self },
      },
    });
    const out = (await get(a, `/${sids[1]}`)).body.data.attributes;
    assert.equal(out.outbound_sip_trunk_id, trunkA2.uuid);
    assert.equal(out.direction, "outbound");
  });

  it("another carrier's call and unknown ids are the same 404; no key is 401", async () => {
    for (const id of [foreign, "0123456789abcdef0123456789abcdef", "x-y"]) {
      const r = await get(a, `/${id}`);
      assert.equal(r.status, 404, r.text);
      assert.deepEqual(r.body, { errors: [{ status: "404", code: "not_found", title: "Not Found", detail: "The phone call does not exist" }] });
    }
    assert.equal((await get(b, `/${foreign}`)).status, 200);
    const none = await send(`${a.baseUrl}/carrier/v1/phone_calls`, "GET");
    assert.equal(none.status, 401);
    assert.equal(none.body.errors[0].code, "unauthorized");
  });

  it("lists newest first, only the carrier's own calls, with cursor links both ways", async () => {
    const all = await get(a, "");
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(ids(all.body), [...sids].reverse());
    assert.deepEqual(all.body.links, { prev: null, next: null });
    assert.deepEqual(ids((await get(b, "")).body), [foreign]);

    const base = `${a.baseUrl}/carrier/v1/phone_calls`;
    const p1 = (await get(a, "?page[size]=4")).body;
    assert.deepEqual(ids(p1), [sids[5], sids[4], sids[3], sids[2]]);
    assert.deepEqual(p1.links, { prev: null, next: `${base}?page[size]=4&page[after]=${sids[2]}` });
    const p2 = (await get(a, `?page[size]=4&page[after]=${sids[2]}`)).body;
    assert.deepEqual(ids(p2), [sids[1], sids[0]]);
    assert.deepEqual(p2.links, { prev: `${base}?page[size]=4&page[before]=${sids[1]}`, next: null });
    const back = (await get(a, `?page[size]=4&page[before]=${sids[1]}`)).body;
    assert.deepEqual(ids(back), [sids[5], sids[4], sids[3], sids[2]]);
    assert.equal(back.links.prev, null);
  });

  it("filters: sip_trunk_id (in or out), status, direction, created_at gte/lte; links keep them", async () => {
    const q = async (query: string) => {
      const r = await get(a, `?${query}`);
      assert.equal(r.status, 200, r.text);
      return ids(r.body);
    };
    assert.deepEqual(await q(`filter[sip_trunk_id]=${trunkA2.uuid}`), [sids[5], sids[3], sids[1]]);
    assert.deepEqual(await q(`filter[sip_trunk_id]=${trunkA.uuid}`), [...sids].reverse());
    assert.deepEqual(await q(`filter[sip_trunk_id]=${trunkB.uuid}`), []);
    assert.deepEqual(await q("filter[status]=completed"), [sids[5], sids[0]]);
    assert.deepEqual(await q("filter[status]=busy,no-answer"), [sids[3], sids[1]]);
    assert.deepEqual(await q("filter[direction]=inbound"), [sids[4], sids[2], sids[0]]);
    assert.deepEqual(await q(`filter[created_at][gte]=${addSeconds(t0, 60)}&filter[created_at][lte]=${addSeconds(t0, 180)}`), [sids[3], sids[2], sids[1]]);
    assert.deepEqual(await q(`filter[created_at][gte]=${addSeconds(t0, 240).replace("Z", ".001Z")}`), [sids[5]]);
    const r = await get(a, "?filter[direction]=inbound&page[size]=1");
    assert.equal(r.body.links.next, `${a.baseUrl}/carrier/v1/phone_calls?page[size]=1&page[after]=${sids[4]}&filter%5Bdirection%5D=inbound`);
    const next = await send(r.body.links.next, "GET", { headers: { authorization: `Bearer ${a.token}` } });
    assert.deepEqual(ids(next.body), [sids[2]]);
  });

  it("bad filters and cursors are 400 naming the parameter", async () => {
    await bad("filter[status]=ringing", "filter[status]", "filter[status] must be one or more of completed, busy, no-answer, canceled, failed");
    await bad("filter[direction]=outbound-dial", "filter[direction]", "filter[direction] must be inbound or outbound");
    await bad("filter[created_at][gte]=yesterday", "filter[created_at][gte]", "filter[created_at][gte] must be a UTC time in ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)");
    await bad("filter[sip_trunk_id]=42", "filter[sip_trunk_id]", "filter[sip_trunk_id] must be a sip_trunk id (UUID)");
    await bad("filter[duration]=5", "filter[duration]", `filter[duration] is not supported (filters: filter[sip_trunk_id], filter[status], filter[direction], filter[created_at][gte], filter[created_at][lte])`);
    await bad("sort=created_at", "sort", "sort is not supported: phone calls are listed newest first");
    await bad("page[size]=101", "page[size]", "page[size] must be an integer between 1 and 100");
    await bad(`page[after]=${foreign}`, "page[after]", "page[after] is not a phone call id of this account");
    await bad("page[before]=nope-nope", "page[before]", "page[before] is not a phone call id of this account");
  });
});
