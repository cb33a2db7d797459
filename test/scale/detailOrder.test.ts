import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mapAclJson, mapCredentialsJson, mapDestinationsJson, mapPhoneNumbersJson, mapSettingsJson, mapTrunkDetail, TRUNK_FIELDS } from "../../src/store/mappers.js";

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

/** The Exotel child lists' pages come back unordered too (no ORDER BY in their aggregates): oldest first, by id. */
describe("child lists: each page sorted by id by the mapper", () => {
  const at = "2026-11-30T12:00:00.000Z";
  it("numbers, credentials, ACL, destinations, settings — as JSON text (SQLite) or parsed (PostgreSQL)", () => {
    const ids = <T extends { id: number }>(xs: T[]) => xs.map((x) => x.id);
    const numbers = [
      [3, "+919800000003", null, at, at],
      [1, "+919800000001", "pstn", at, at],
      [2, "+919800000002", null, at, at],
    ];
    for (const value of [numbers, JSON.stringify(numbers)]) assert.deepEqual(ids(mapPhoneNumbersJson(value, "t")), [1, 2, 3]);
    assert.deepEqual(ids(mapCredentialsJson([[9, "u9", "s9", null, at, at], [8, "u8", "s8", null, at, at]], "t", (x) => x)), [8, 9]);
    assert.deepEqual(ids(mapAclJson(JSON.stringify([[5, "10.0.0.5", 32, null, at, at], [4, "10.0.0.4", 32, null, at, at]]), "t")), [4, 5]);
    assert.deepEqual(ids(mapDestinationsJson([[7, "b", 5060, "udp", 0, 1, at, at], [6, "a", 5060, "udp", 0, 1, at, at]], "t")), [6, 7]);
    assert.deepEqual(
      mapSettingsJson([[2, "b", "2", at, at], [1, "a", "1", at, at]], "t").map((x) => x.name),
      ["a", "b"],
    );
    for (const empty of [null, "[]", []]) assert.deepEqual(mapPhoneNumbersJson(empty, "t"), []);
  });
});
