import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { after, before, it } from "node:test";
import { edgeBans } from "../../src/edge/bans.js";
import { EdgeRpc } from "../../src/edge/rpc.js";
import { freePort } from "../helpers/process.js";
import { expectCall } from "./assertions.js";
import { describeEdge } from "./harness.js";
import { Provision } from "./provision.js";
import { call, startUas, type Uas } from "./sipp.js";

// Edge on 127.0.70.1; callers on 127.0.71.x (one address per behaviour, since bans are per
// address); the trunks' PBX (a sipp UAS) on 127.0.70.200.
const NUMBER = "+919800000701";
const BAN_AFTER = 3;
const BAN_SECONDS = 6;
const PIKE_DENSITY = 10;

/**
 * Sends one UDP request from `from` and resolves with the status line of the first final answer,
 * or undefined when none came within `waitMs`.
 */
function udpRequest(from: string, to: string, method: "OPTIONS" | "INVITE", opts: { size?: number; waitMs?: number } = {}): Promise<string | undefined> {
  const [host, port] = to.split(":") as [string, string];
  const socket = createSocket("udp4");
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, from, () => {
      const local = `${from}:${socket.address().port}`;
      const id = randomBytes(6).toString("hex");
      const head = [
        `${method} sip:${NUMBER}@${to} SIP/2.0`,
        `Via: SIP/2.0/UDP ${local};branch=z9hG4bK-${id};rport`,
        `From: <sip:probe@${from}>;tag=${id}`,
        `To: <sip:${NUMBER}@${host}>`,
        `Call-ID: ${id}@${from}`,
        `CSeq: 1 ${method}`,
        `Contact: <sip:probe@${local}>`,
        "Max-Forwards: 70",
      ];
      // Padding in an SDP attribute line up to `size` bytes in all.
      let body = "";
      if (opts.size) {
        const fixed = Buffer.byteLength(`${head.join("\r\n")}\r\nContent-Type: application/sdp\r\nContent-Length: 00000\r\n\r\nv=0\r\na=x:\r\n`);
        body = `v=0\r\na=x:${"y".repeat(opts.size - fixed)}\r\n`;
        head.push("Content-Type: application/sdp");
      }
      const message = `${head.join("\r\n")}\r\nContent-Length: ${String(Buffer.byteLength(body)).padStart(5, "0")}\r\n\r\n${body}`;
      if (opts.size) assert.equal(Buffer.byteLength(message), opts.size);
      const timer = setTimeout(() => finish(undefined), opts.waitMs ?? 3000);
      const finish = (line: string | undefined) => {
        clearTimeout(timer);
        socket.close();
        resolve(line);
      };
      socket.on("message", (msg) => {
        const line = msg.toString("utf8").split("\r\n")[0] as string;
        if (!/^SIP\/2\.0 1\d\d /.test(line)) finish(line);
      });
      socket.send(message, Number(port), host);
    });
  });
}

describeEdge(
  "SIP edge guard: digest as PBXs send it, bans, floods, oversized requests",
  "127.0.70.1",
  (stack) => {
    let p: Provision;
    let pbx: Uas;
    let rpc: EdgeRpc;
    let cred = { username: "", password: "" };

    before(async () => {
      const s = stack();
      p = new Provision(await s.server.account(`guard${s.engine}`));
      pbx = await startUas("127.0.70.200", await freePort());
      const callee = await p.trunk("callee");
      await p.destinations(callee, [{ destination: `${pbx.address};transport=tcp` }]);
      await p.map(callee, NUMBER);
      await p.allow(callee, "127.0.71.20", 32);
      cred = await p.credentials(await p.trunk("digest_pbx"));
      await s.settled();
      rpc = new EdgeRpc(`http://127.0.0.1:${s.options.rpcPort}/RPC`);
    });
    after(async () => {
      rpc?.close();
      await pbx?.stop();
    });

    const dial = (from: string, expect: number, extra: Partial<Parameters<typeof call>[0]> = {}, auth = false) =>
      call({ edge: stack().edge, from, number: NUMBER, ...extra }, { expect, auth });
    const wrong = { user: "", password: "not-the-password-1" };

    it("challenges every INVITE no ACL admits and admits the credential's auth user whatever the From user", async () => {
      const auth = { user: cred.username, password: cred.password };
      // Asterisk, FreeSWITCH and 3CX: caller id in the From user, the credential only in the auth user.
      expectCall(await dial("127.0.71.5", 200, { caller: "+919812345678", auth }, true), "caller id in From, credential as auth user: 407 then 200");
      expectCall(await dial("127.0.71.5", 200, { caller: cred.username, auth }, true), "credential's username in From too");
      expectCall(await dial("127.0.71.5", 407, { caller: "nobody-known" }), "any From user without credentials is challenged");
      expectCall(await dial("127.0.71.6", 403, { caller: "+919812345678", auth: { ...wrong, user: cred.username } }, true), "wrong password: 403");
      expectCall(await dial("127.0.71.7", 403, { caller: "+919812345678", auth: { ...wrong, user: "no-such-user" } }, true), "unknown auth user: 403");
      assert.ok(pbx.invites().length >= 2, "the admitted calls reached the PBX");
    });

    it(`bans an address after ${BAN_AFTER} failed authentications: no answer to anything, logged once, lifted after ${BAN_SECONDS} s`, async () => {
      const from = "127.0.71.9";
      assert.match((await udpRequest(from, stack().edge, "OPTIONS")) ?? "", /^SIP\/2\.0 200 /, "answered before any failure");
      for (let i = 1; i <= BAN_AFTER; i++) {
        expectCall(await dial(from, 403, { caller: "+919812345678", auth: { ...wrong, user: cred.username } }, true), `failure ${i} is answered 403`);
      }
      const bannedAt = Date.now();
      assert.deepEqual(
        (await edgeBans(rpc)).filter((b) => b.address === from),
        [{ address: from, reason: `${BAN_AFTER} failed authentications` }],
        "the ban is visible over JSON-RPC",
      );
      assert.equal(await udpRequest(from, stack().edge, "OPTIONS", { waitMs: 1500 }), undefined, "a banned address gets no answer to OPTIONS");
      assert.equal(await udpRequest(from, stack().edge, "INVITE", { waitMs: 1500 }), undefined, "nor to an INVITE");
      const bans = stack().log().split("\n").filter((l) => l.includes(`banned ${from} `));
      assert.equal(bans.length, 1, `one log line per ban:\n${bans.join("\n")}`);
      assert.match(bans[0] ?? "", new RegExp(`banned ${from.replaceAll(".", "\\.")} for ${BAN_SECONDS} s: ${BAN_AFTER} failed authentications`));

      // Lifted: poll until the edge answers again.
      let answer: string | undefined;
      const deadline = Date.now() + 30_000;
      while (answer === undefined && Date.now() < deadline) answer = await udpRequest(from, stack().edge, "OPTIONS", { waitMs: 500 });
      const lifted = (Date.now() - bannedAt) / 1000;
      assert.match(answer ?? "", /^SIP\/2\.0 200 /, "answered again once the ban expired");
      assert.ok(lifted >= BAN_SECONDS - 1 && lifted < BAN_SECONDS + 10, `lifted after ${lifted} s`);
      // The edge sweeps expired entries from the table every second.
      let listed = await edgeBans(rpc);
      for (let i = 0; i < 30 && listed.some((b) => b.address === from); i++) {
        await new Promise((r) => setTimeout(r, 100));
        listed = await edgeBans(rpc);
      }
      assert.deepEqual(listed.filter((b) => b.address === from), [], "and no longer listed");
      expectCall(await dial(from, 200, { caller: "+919812345678", auth: { user: cred.username, password: cred.password } }, true), "calls again with the right credentials");
    });

    it("counts only failed authentications: challenges and successes never ban", async () => {
      const from = "127.0.71.11";
      for (let i = 0; i < BAN_AFTER + 1; i++) expectCall(await dial(from, 407), `challenge ${i + 1}`);
      expectCall(await dial(from, 200, { caller: "+919812345678", auth: { user: cred.username, password: cred.password } }, true), "still admitted");
      assert.deepEqual((await edgeBans(rpc)).filter((b) => b.address === from), []);
    });

    it("bans a request flood from an address in no ACL (pike), never from an ACL address", async () => {
      const send = async (from: string, n: number) => {
        const answers = await Promise.all(Array.from({ length: n }, () => udpRequest(from, stack().edge, "OPTIONS", { waitMs: 2000 })));
        return answers.filter((a) => a !== undefined).length;
      };
      const flooder = "127.0.71.13";
      const answered = await send(flooder, 100);
      assert.ok(answered < 100, `a flood of 100 requests is cut short: ${answered} answered`);
      assert.deepEqual((await edgeBans(rpc)).filter((b) => b.address === flooder), [{ address: flooder, reason: "request flood" }]);
      assert.equal(stack().log().split("\n").filter((l) => l.includes(`banned ${flooder} `)).length, 1, "logged once");

      const trusted = "127.0.71.20"; // in the callee trunk's ACL
      assert.equal(await send(trusted, 100), 100, "an ACL address is never flood-checked");
      assert.deepEqual((await edgeBans(rpc)).filter((b) => b.address === trusted), []);
    });

    it("answers a 64 KB UDP INVITE with 513 Message Too Large, and one of 30 KB as any other", async () => {
      assert.equal(await udpRequest("127.0.71.30", stack().edge, "INVITE", { size: 65_000 }), "SIP/2.0 513 Message Too Large");
      assert.equal(await udpRequest("127.0.71.30", stack().edge, "INVITE", { size: 65_507 }), "SIP/2.0 513 Message Too Large", "the largest UDP datagram");
      assert.match((await udpRequest("127.0.71.30", stack().edge, "INVITE", { size: 30_000 })) ?? "", /^SIP\/2\.0 407 /, "below the limit: challenged");
    });
  },
  {
    TRUNKLINE_EDGE_BAN_AFTER: String(BAN_AFTER),
    TRUNKLINE_EDGE_BAN_SECONDS: String(BAN_SECONDS),
    TRUNKLINE_EDGE_PIKE_DENSITY: String(PIKE_DENSITY),
    TRUNKLINE_EDGE_PIKE_UNIT: "2",
  },
);
