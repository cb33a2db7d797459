import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { readAuthorization } from "../../src/http/credentialsHeader.js";
import { hasNul } from "../../src/http/nulText.js";
import { REDACTED, redactUrl } from "../../src/http/redactUrl.js";
import { AuthCache } from "../../src/services/authCache.js";

/** The per-request helpers made cheaper (issue 13) read and answer exactly as before. */
describe("per-request floor helpers", () => {
  it("readAuthorization: scheme and value split on whitespace runs, surrounding whitespace ignored", () => {
    const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;
    assert.deepEqual(readAuthorization(basic("key:to:ken")), { kind: "basic", user: "key", password: "to:ken" });
    assert.deepEqual(readAuthorization(`  \t${basic("k:t")} \n`), { kind: "basic", user: "k", password: "t" });
    assert.deepEqual(readAuthorization("bEaReR   abc  trailing words"), { kind: "bearer", token: "abc" });
    assert.deepEqual(readAuthorization("Bearer\u00a0abc"), { kind: "bearer", token: "abc" });
    for (const none of [undefined, "", "Bearer", "Bearer   ", "   ", "Digest abc", basic("nocolon")]) assert.deepEqual(readAuthorization(none), { kind: "none" }, String(none));
  });

  it("hasNul: any key or string value, at any depth up to the bound, in objects and arrays", () => {
    assert.equal(hasNul({ a: "x", b: ["y", { c: "z" }] }), false);
    assert.equal(hasNul({ a: "x", b: ["y", { c: "z\u0000" }] }), true);
    assert.equal(hasNul({ "k\u0000": 1 }), true);
    assert.equal(hasNul([1, null, undefined, true, "a\u0000"]), true);
    assert.equal(hasNul(Object.assign(Object.create(null) as object, { q: "\u0000" })), true);
    let deep: unknown = "\u0000";
    for (let i = 0; i < 40; i++) deep = { d: deep };
    assert.equal(hasNul(deep), false, "past the depth bound nothing is looked at, as before");
  });

  it("redactUrl: a path without a query comes back as it is; queries and userinfo are still redacted", () => {
    const path = "/v2/accounts/a/trunks/t";
    assert.equal(redactUrl(path), path);
    assert.equal(redactUrl(`${path}?api_token=s&page_size=5`), `${path}?api_token=${REDACTED}&page_size=5`);
    assert.equal(redactUrl("http://u:p@h/x"), `http://${REDACTED}@h/x`);
  });

  it("AuthCache.key: the SHA-256 (base64) of the NUL-joined parts, as before", () => {
    const parts = ["basic", "key", "token"];
    assert.equal(AuthCache.key(...parts), createHash("sha256").update(parts.join("\0")).digest("base64"));
  });
});
