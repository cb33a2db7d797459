import assert from "node:assert/strict";
import { before, it } from "node:test";
import { DESTINATION_FORMAT_MESSAGE, TRANSPORT_MESSAGE } from "../../src/dialects/exotel/destination.js";
import type { Change } from "../../src/services/changeFeed.js";
import { LIMITS } from "../../src/services/context.js";
import { PRIORITY_MESSAGE } from "../../src/services/destinations.js";
import { assertBatch, assertBatchFailure, assertList } from "../helpers/exotelAssert.js";
import { describeOnEngines } from "../helpers/server.js";
import { assertUnchanged } from "../helpers/snapshot.js";

const dest = (destination: string, rank: { priority?: number; weight?: number } = {}) => ({ destination, ...rank });

/** Batch writes: one result per item, in order; 200 when all succeed, 207 otherwise. */
describeOnEngines("Exotel batch writes", (server) => {
  let sid = "";
  let path = "";
  before(async () => {
    sid = await server().demo.createTrunk("batch");
    path = `/trunks/${sid}`;
  });

  it("destination-uris, mixed: 207, each bad item with its own error, the good ones stored in order", async () => {
    const r = await server().demo.request("POST", `${path}/destination-uris`, {
      destinations: [
        dest("203.0.113.10:5061;transport=tls"),
        dest("203.0.113.11:5060;transport=udp"),
        dest("256.1.2.3:5060;transport=tcp"),
        dest("203.0.113.12:70000;transport=tcp"),
        dest("just-a-host"),
        dest("203.0.113.10:5061;transport=tls"),
        dest("sip:pbx.example.com:5062;transport=TCP", { priority: 5, weight: 10 }),
        dest("203.0.113.13:5061;transport=tls", { priority: 70000 }),
      ],
    });
    const items = assertBatch(r, 207, { success: 2, failed: 6 });
    assert.deepEqual(
      items.map((i) => i.status),
      ["success", "failure", "failure", "failure", "failure", "failure", "success", "failure"],
    );
    assert.equal(items[0].data.destination, "sip:203.0.113.10:5061;transport=tls");
    assertBatchFailure(items[1], 400, 1002, TRANSPORT_MESSAGE);
    assertBatchFailure(items[2], 400, 1002, "Destination is not a valid Ip or Fqdn");
    assertBatchFailure(items[3], 400, 1002, "Destination port must be between 1 and 65535");
    assertBatchFailure(items[4], 400, 1002, DESTINATION_FORMAT_MESSAGE);
    assertBatchFailure(items[5], 409, 1002, "Destination already exists on this trunk");
    assert.deepEqual([items[6].data.destination, items[6].data.priority, items[6].data.weight], ["sip:pbx.example.com:5062;transport=tcp", 5, 10]);
    assertBatchFailure(items[7], 400, 1001, PRIORITY_MESSAGE);
    const listed = assertList(await server().demo.request("GET", `${path}/destination-uris`));
    assert.deepEqual(listed.map((d: { id: string }) => d.id), [items[0].data.id, items[6].data.id]);
  });

  it("a rejected destination item is Exotel's: 400, code 1002, message \"Invalid parameter\", data null", async () => {
    const r = await assertUnchanged(server().runtime, () => server().demo.request("POST", `${path}/destination-uris`, { destinations: [dest("256.1.2.3:5061;transport=tls")] }));
    assert.deepEqual(assertBatch(r, 207, { success: 0, failed: 1 }), [
      { status: "failure", code: 400, error_data: { code: 1002, message: "Invalid parameter", description: "Destination is not a valid Ip or Fqdn" }, data: null },
    ]);
  });

  it("destination-uris, all valid: 200 with every item stored", async () => {
    const r = await server().demo.request("POST", `${path}/destination-uris`, { destinations: [dest("198.51.100.1:5061;transport=tls"), dest("edge.example.net:5060;transport=tcp")] });
    const items = assertBatch(r, 200, { success: 2, failed: 0 });
    assert.ok(items.every((i) => i.status === "success" && i.code === 200 && i.error_data === null));
  });

  it("destination-uris, all invalid: 207 and nothing stored", async () => {
    const r = await assertUnchanged(server().runtime, () =>
      server().demo.request("POST", `${path}/destination-uris`, { destinations: [dest("a:b;transport=tls"), dest("203.0.113.1:0;transport=tls")] }),
    );
    assertBatch(r, 207, { success: 0, failed: 2 });
  });

  it(`destination-uris: past ${LIMITS.destinationsPerTrunk} per trunk, the extra items fail on their own`, async () => {
    const have = assertList(await server().demo.request("GET", `${path}/destination-uris`)).length;
    const wanted = LIMITS.destinationsPerTrunk - have + 2;
    const destinations = Array.from({ length: wanted }, (_, i) => dest(`host${i}.example.org:5061;transport=tls`));
    const items = assertBatch(await server().demo.request("POST", `${path}/destination-uris`, { destinations }), 207, { success: wanted - 2, failed: 2 });
    for (const item of items.slice(-2)) assertBatchFailure(item, 400, 1002, `A trunk may have at most ${LIMITS.destinationsPerTrunk} destination URIs`);
  });

  it("settings, mixed: 207 with the unknown name and the bad value failing, the good one stored", async () => {
    const r = await server().demo.request("POST", `${path}/settings`, {
      settings: [
        { name: "trunk_external_alias", value: "+919876543210" },
        { name: "ring_timeout", value: "30" },
        { name: "trunk_external_alias", value: "not-a-number" },
      ],
    });
    const items = assertBatch(r, 207, { success: 1, failed: 2 });
    assert.deepEqual(items[0].data, { ...items[0].data, name: "trunk_external_alias", value: "+919876543210", trunk_sid: sid });
    assertBatchFailure(items[1], 400, 1001, /^Unknown setting 'ring_timeout'/);
    assertBatchFailure(items[2], 400, 1001, /^trunk_external_alias must be a phone number in E.164 format/);
    const listed = assertList(await server().demo.request("GET", `${path}/settings`));
    assert.deepEqual(listed.map((s: { value: string }) => s.value), ["+919876543210"]);
  });

  it("settings named after Object.prototype's members are unknown settings (207), never a 500; the good item is stored and the edges told", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      const events: Change[] = [];
      const unsubscribe = server().runtime.feed.subscribe((batch) => events.push(...batch));
      try {
        const r = await server().demo.request("POST", `${path}/settings`, {
          settings: [
            { name: "trunk_external_alias", value: "+919876543219" },
            { name, value: "+919876543218" },
          ],
        });
        const items = assertBatch(r, 207, { success: 1, failed: 1 });
        assert.equal(items[0].data.value, "+919876543219");
        assertBatchFailure(items[1], 400, 1001, `Unknown setting '${name}'; supported: trunk_external_alias`);
        assert.deepEqual(
          events.map((e) => [e.accountSid, e.kind, e.action]),
          [["exoteltest", "setting", "updated"]],
        );
      } finally {
        unsubscribe();
      }
      const listed = assertList(await server().demo.request("GET", `${path}/settings`));
      assert.deepEqual(listed.map((s: { name: string }) => s.name), ["trunk_external_alias"]);
      // Deleting such a name is a plain 404, too.
      assert.equal((await server().demo.request("DELETE", `${path}/settings?name=${encodeURIComponent(name)}`)).status, 404);
    }
  });

  it("settings, all valid: 200; setting a value again keeps its creation time", async () => {
    const before = assertList(await server().demo.request("GET", `${path}/settings`))[0];
    const r = await server().demo.request("POST", `${path}/settings`, { settings: [{ name: "trunk_external_alias", value: "+919876543211" }] });
    const [item] = assertBatch(r, 200, { success: 1, failed: 0 });
    assert.equal(item.data.value, "+919876543211");
    assert.equal(item.data.date_created, before.date_created);
  });
});
