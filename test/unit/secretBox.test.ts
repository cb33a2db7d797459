import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SecretBox } from "../../src/crypto/secretBox.js";
import { newTrunkSid } from "../../src/domain/ids.js";
import { isE164, isFqdn, isIPv4, parseIPv4Cidr } from "../../src/domain/rules.js";
import { MemoryRateLimiter } from "../../src/http/rateLimit.js";

describe("SecretBox", () => {
  const box = new SecretBox(Buffer.alloc(32, 7));
  it("round-trips and never stores the plaintext", () => {
    const sealed = box.seal("Xk9mP2nQ4rS6tU8v");
    assert.ok(!sealed.includes("Xk9mP2nQ4rS6tU8v"));
    assert.notEqual(sealed, box.seal("Xk9mP2nQ4rS6tU8v"), "a fresh IV each time");
    assert.equal(box.open(sealed), "Xk9mP2nQ4rS6tU8v");
  });
  it("rejects tampering and the wrong key", () => {
    const sealed = box.seal("secret-password-1");
    const raw = Buffer.from(sealed.slice(3), "base64");
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => box.open(`v1:${raw.toString("base64")}`));
    assert.throws(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed));
  });
});

describe("domain rules", () => {
  it("generates 28-character trunk sids with the region code", () => {
    assert.match(newTrunkSid("mum"), /^trmum[a-z0-9]{23}$/);
  });
  it("accepts the validation table's valid examples and rejects the invalid ones", () => {
    assert.equal(isE164("+919876543210"), true);
    assert.equal(isE164("9876543210"), false);
    assert.equal(isIPv4("203.0.113.50"), true);
    assert.equal(isIPv4("256.1.2.3"), false);
    assert.equal(isIPv4("1.2.3"), false);
    assert.equal(isFqdn("sip.mycompany.com"), true);
    assert.equal(isFqdn("bad_host"), false);
    assert.deepEqual(parseIPv4Cidr("198.51.100.0/24"), { ip: "198.51.100.0", mask: 24 });
    assert.equal(parseIPv4Cidr("198.51.100.0/33"), undefined);
  });
});

describe("MemoryRateLimiter", () => {
  it("allows the limit per account per minute, then refuses until the window turns", async () => {
    let now = 120_000;
    const limiter = new MemoryRateLimiter(3, () => now);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.consume("a"));
    assert.deepEqual(results.map((r) => r.allowed), [true, true, true, false]);
    assert.equal(results[3]!.remaining, 0);
    assert.equal((await limiter.consume("b")).allowed, true, "per account");
    now += 60_000;
    assert.equal((await limiter.consume("a")).allowed, true);
  });
});
