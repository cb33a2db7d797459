import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mapTrunkDetail, TRUNK_FIELDS } from "../../src/store/mappers.js";

/**
 * The detail queries send a trunk's children in no particular order (trunksRepo.selectDetails:
 * no ORDER BY in the aggregates); mapTrunkDetail puts them in the order the API shows. Children
 * given here in the order an index on (trunk_id, ip, ...) or (trunk_id, prefix) would give them.
 */
describe("trunk detail: children sorted by the mapper", () => {
  const trunk = TRUNK_FIELDS.map((f) => (f === "id" ? 7 : f === "sid" ? "trunk_sid" : f.startsWith("outbound_") && f !== "outbound_dial_string_prefix" ? 0 : f));
  const at = "2026-11-30T12:00:00.000Z";
  const detail = (children: unknown[]) => mapTrunkDetail({ detail: JSON.stringify([...trunk, ...children]) }, (sealed) => `open:${sealed}`);

  it("route prefixes by position, ACL and credentials by id, destinations by priority, weight (heaviest first), id", () => {
    const d = detail([
      "alias",
      [
        [2, "+91"],
        [0, "+1"],
        [1, "+44"],
      ],
      [
        [12, "10.0.0.9", 32, null, at, at],
        [11, "10.0.0.10", 32, null, at, at],
      ],
      [
        [31, "b.example", 5060, "udp", 1, 10, at, at],
        [32, "c.example", 5061, "tls", 0, 5, at, at],
        [30, "a.example", 5060, "udp", 1, 10, at, at],
        [33, "d.example", 5060, "tcp", 0, 20, at, at],
      ],
      [
        [42, "second", "s2", null, at, at],
        [41, "first", "s1", null, at, at],
      ],
    ]);
    assert.deepEqual(d.routePrefixes, ["+1", "+44", "+91"]);
    assert.deepEqual(
      d.acl.map((a) => a.id),
      [11, 12],
    );
    assert.deepEqual(
      d.destinations.map((x) => x.id),
      [33, 32, 30, 31],
    );
    assert.deepEqual(
      d.credentials.map((c) => [c.id, c.password]),
      [
        [41, "open:s1"],
        [42, "open:s2"],
      ],
    );
    assert.equal(d.secureTrunking, true);
    assert.equal(d.callerId, "alias");
    assert.equal(d.sid, "trunk_sid");
  });

  it("no children (PostgreSQL's empty aggregate is null, SQLite's [])", () => {
    for (const empty of [null, []]) {
      const d = detail([null, empty, empty, empty, empty]);
      assert.deepEqual([d.routePrefixes, d.acl, d.destinations, d.credentials, d.callerId, d.secureTrunking], [[], [], [], [], null, false]);
    }
  });
});
