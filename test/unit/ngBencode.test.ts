import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { describe, it } from "node:test";
import { bdecode, bencode, BencodeError } from "../../src/media/bencode.js";
import { NgClient, NgError, NgTimeoutError, readStatistics } from "../../src/media/ng.js";

describe("bencode (rtpengine's ng encoding)", () => {
  it("encodes strings by UTF-8 byte length, integers, lists, and dictionaries with keys in byte order", () => {
    assert.equal(bencode("spam").toString(), "4:spam");
    assert.equal(bencode("é").toString(), "2:é");
    assert.equal(bencode(-42).toString(), "i-42e");
    assert.equal(bencode(0).toString(), "i0e");
    assert.equal(bencode(["a", 1, []]).toString(), "l1:ai1elee");
    assert.equal(bencode({ "to-tag": "t", command: "offer", "call-id": "c", flags: ["trust-address"] }).toString(), "d7:call-id1:c7:command5:offer5:flagsl13:trust-addresse6:to-tag1:te");
  });

  it("decodes what it encodes, SDP with CRLFs included", () => {
    const value = { sdp: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n", n: 12345678901, list: ["x", { y: -1 }], empty: "" };
    assert.deepEqual(bdecode(bencode(value)), value);
  });

  it("leaves out undefined members and refuses values with no encoding", () => {
    assert.equal(bencode({ a: "1", b: undefined as unknown as string }).toString(), "d1:a1:1e");
    assert.throws(() => bencode(1.5), /only integers/);
    assert.throws(() => bencode([true as unknown as string]), /booleans/);
  });

  for (const [input, why] of [
    ["", /unexpected end/],
    ["i12", /unterminated number/],
    ["i01e", /bad number/],
    ["i-0e", /bad number/],
    ["5:abc", /runs past the end/],
    ["l1:a", /unterminated list/],
    ["di1e1:ae", /key is not a string/],
    ["d1:ae", /has no value/],
    ["4:spamx", /trailing bytes/],
    ["x", /unexpected 'x'/],
  ] as const) {
    it(`rejects '${input}' (${why.source})`, () => {
      assert.throws(() => bdecode(input), (e: unknown) => e instanceof BencodeError && why.test((e as Error).message));
    });
  }
});

describe("NgClient without rtpengine", () => {
  it("names a malformed ng address", () => {
    assert.throws(() => new NgClient("localhost"), /rtpengine ng address must be IP:PORT/);
    assert.throws(() => new NgClient("127.0.150.1:70000"), /IP:PORT/);
  });

  it("times out naming the address and command when nothing answers", async () => {
    const silent = createSocket("udp4");
    await new Promise<void>((r) => silent.bind(0, "127.0.150.1", r));
    const client = new NgClient(`127.0.150.1:${silent.address().port}`, { timeoutMs: 300, retransmitMs: 100 });
    let received = 0;
    silent.on("message", () => received++);
    try {
      await assert.rejects(client.ping(), (e: unknown) => e instanceof NgTimeoutError && /127\.0\.150\.1:\d+ did not answer 'ping' within 300 ms/.test((e as Error).message));
      assert.ok(received >= 2, `the request is retransmitted (got ${received})`);
    } finally {
      client.close();
      silent.close();
    }
  });

  it("matches answers by cookie, ignores strangers' and reports result: error with its reason", async () => {
    const fake = createSocket("udp4");
    await new Promise<void>((r) => fake.bind(0, "127.0.150.1", r));
    fake.on("message", (msg, from) => {
      const space = msg.indexOf(0x20);
      const cookie = msg.subarray(0, space).toString();
      const body = bdecode(msg.subarray(space + 1)) as Record<string, string>;
      // A stray answer with another cookie first: it must not be taken for ours.
      fake.send(Buffer.concat([Buffer.from("other "), bencode({ result: "pong" })]), from.port, from.address);
      const answer: Record<string, string> = body.command === "ping" ? { result: "pong" } : { result: "error", "error-reason": "Unknown call-id" };
      fake.send(Buffer.concat([Buffer.from(`${cookie} `), bencode(answer)]), from.port, from.address);
    });
    const client = new NgClient(`127.0.150.1:${fake.address().port}`, { timeoutMs: 1000 });
    try {
      await client.ping();
      await assert.rejects(client.query("nope"), (e: unknown) => e instanceof NgError && e.reason === "Unknown call-id" && e.message === "rtpengine query: Unknown call-id");
    } finally {
      client.close();
      fake.close();
    }
  });
});

describe("readStatistics", () => {
  it("reads sessions, packets, bytes and errors from rtpengine 10.5's statistics layout", () => {
    const s = readStatistics({
      result: "ok",
      statistics: {
        currentstatistics: { sessionsown: 3, sessionsforeign: 0 },
        totalstatistics: { uptime: "42", managedsessions: 7, relayedpackets: 1000, relayedbytes: 172000, relayedpacketerrors: 2 },
      },
    });
    assert.deepEqual({ ...s, raw: undefined }, { sessionsCurrent: 3, sessionsTotal: 10, packets: 1000, bytes: 172000, errors: 2, uptimeSeconds: 42, raw: undefined });
  });
});
