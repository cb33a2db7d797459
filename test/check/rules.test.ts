import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseAdmission, parseMessageLog } from "../../src/check/call.js";
import { answering, destinationUri } from "../../src/check/edges.js";
import { renderText, result } from "../../src/check/report.js";
import type { TrunkDetail } from "../../src/domain/types.js";

/** The check's pure rules: how the test call gets in, what counts as answering OPTIONS, the output. */

const trunk = (acl: Array<[string, number]>, credentials: string[] = [], callerId: string | null = null): TrunkDetail =>
  ({
    sid: "trmumtest",
    callerId,
    acl: acl.map(([ip, mask], i) => ({ id: i + 1, trunkSid: "trmumtest", ip, mask, friendlyName: null, createdAt: "", updatedAt: "" })),
    credentials: credentials.map((username, i) => ({ id: i + 1, trunkSid: "trmumtest", username, password: `pw-${username}`, friendlyName: null, createdAt: "", updatedAt: "" })),
    destinations: [],
  }) as unknown as TrunkDetail;

describe("check: how the test call gets in", () => {
  it("from --from when the ACL holds it, with the trunk's caller id and no credential", () => {
    assert.deepEqual(chooseAdmission(trunk([["127.0.92.0", 24]], ["u1"], "+912200000000"), "127.0.92.7"), { kind: "acl", from: "127.0.92.7", caller: "+912200000000" });
  });
  it("from a loopback ACL entry (a network entry: its first host address)", () => {
    assert.deepEqual(chooseAdmission(trunk([["127.0.92.10", 32]]), undefined), { kind: "acl", from: "127.0.92.10", caller: "trunkline-check" });
    assert.deepEqual(chooseAdmission(trunk([["127.0.0.0", 8]]), undefined), { kind: "acl", from: "127.0.0.1", caller: "trunkline-check" });
  });
  it("with the first credential when no ACL address is on this host (from --from or 127.0.0.1)", () => {
    const t = trunk([["203.0.113.10", 32]], ["first", "second"]);
    assert.deepEqual(chooseAdmission(t, undefined), { kind: "digest", from: "127.0.0.1", caller: "trunkline-check", user: "first", password: "pw-first" });
    assert.deepEqual(chooseAdmission(t, "127.0.92.11"), { kind: "digest", from: "127.0.92.11", caller: "trunkline-check", user: "first", password: "pw-first" });
  });
  it("no way in: a reason instead", () => {
    assert.equal(typeof chooseAdmission(trunk([["203.0.113.10", 32]]), undefined), "string");
    assert.match(chooseAdmission(trunk([]), "127.0.92.12") as string, /127\.0\.92\.12 is not in the trunk's ACL/);
  });
});

describe("check: a destination answering OPTIONS", () => {
  const r = (code: number, rttMs = 5) => ({ code, reason: "", rttMs });
  it("2xx, or a 4xx of its own (e.g. 405: OPTIONS not implemented), within the bound", () => {
    for (const code of [200, 202, 404, 405, 481]) assert.equal(answering(r(code), 3000), true, String(code));
  });
  it("not: the edge's own 408/477/478, any 5xx/6xx, or an answer after the bound", () => {
    for (const code of [0, 100, 408, 477, 478, 500, 503, 603]) assert.equal(answering(r(code), 3000), false, String(code));
    assert.equal(answering(r(200, 3001), 3000), false);
  });
  it("addressed as the dispatcher addresses it", () => {
    assert.equal(destinationUri({ host: "pbx.example.com", port: 5061, transport: "tls" }), "sip:pbx.example.com:5061;transport=tls");
    assert.equal(destinationUri({ host: "2001:db8::1", port: 5060, transport: "udp" }), "sip:[2001:db8::1]:5060;transport=udp");
  });
});

describe("check: output", () => {
  it("ok only if every step passed; ✘ steps carry their fix", () => {
    const failed = result({ ref: "x" }, [
      { name: "numbers", ok: true, detail: "1 mapped" },
      { name: "sync", ok: false, detail: "1 of 10 differ", fix: "start the API" },
    ]);
    assert.equal(failed.ok, false);
    assert.equal(result({ ref: "x" }, []).ok, false, "no steps is no proof");
    assert.deepEqual(renderText(failed).split("\n"), ["trunkline check: trunk x", "✔ numbers  1 mapped", "✘ sync     1 of 10 differ", "           fix: start the API", "1 step(s) failed", ""]);
  });
  it("reads sipp's message trace", () => {
    const log = [
      "----------------------------------------------- 2026-11-30 02:49:51.627781",
      "UDP message sent (10 bytes):",
      "",
      "INVITE sip:1@h SIP/2.0",
      "CSeq: 1 INVITE",
      "",
      "----------------------------------------------- 2026-11-30 02:49:51.629173",
      "UDP message received [335] bytes :",
      "",
      "SIP/2.0 407 Proxy Authentication Required",
      "CSeq: 1 INVITE",
      "",
    ].join("\n");
    assert.deepEqual(parseMessageLog(log), [
      { sent: true, text: "INVITE sip:1@h SIP/2.0\nCSeq: 1 INVITE" },
      { sent: false, text: "SIP/2.0 407 Proxy Authentication Required\nCSeq: 1 INVITE" },
    ]);
  });
});
