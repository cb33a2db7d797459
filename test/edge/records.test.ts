import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { openStore, type Store } from "../../src/store/db.js";
import type { CallHopRow, CallRow } from "../../src/store/schema.js";
import type { CarrierClient } from "../helpers/carrierClient.js";
import { freePort, stopChild } from "../helpers/process.js";
import { expectCall } from "./assertions.js";
import { describeEdge } from "./harness.js";
import { Provision } from "./provision.js";
import { startPbx, type Pbx } from "./sipPbx.js";
import { call, startUas, type CallOptions, type Uas, type UacScenario } from "./sipp.js";

// Edge on 127.0.120.1 (its flow UAS on .250); callers on 127.0.121-123.x; PBXs on 127.0.120.1xx
// and 127.0.124.x. Every call attempt with a final answer is one `calls` row, written by the edge.

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** A sipp scenario of our own (ringing, CANCEL), run to completion; resolves whether it passed. */
function sipp(dir: string, name: string, xml: string, args: string[], timeoutMs = 20_000): Promise<{ ok: boolean; detail: string }> {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="${name}">\n${xml}\n</scenario>\n`);
  return new Promise((resolve) => {
    const child = spawn("sipp", ["-sf", file, "-nostdin", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => void stopChild(child, 2000), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, detail: `sipp ${name} exit ${code}: ${stderr.slice(-800)}` });
    });
  });
}

const reply = (status: string, sdp = false) => `<send><![CDATA[
SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${sdp ? "Content-Type: application/sdp\nContent-Length: [len]\n\nv=0\no=- 1 1 IN IP4 [local_ip]\ns=-\nc=IN IP4 [local_ip]\nt=0 0\nm=audio 6000 RTP/AVP 0\n" : "Content-Length: 0\n"}
]]></send>`;

/** Rings (180) and gives up after `ringMs` with 480, as a PBX whose extension nobody picks up. */
const RINGS_THEN_480 = (ringMs: number) => `<recv request="INVITE" crlf="true"/>
${reply("180 Ringing")}
<pause milliseconds="${ringMs}"/>
${reply("480 Temporarily Unavailable")}
<recv request="ACK"/>`;

/** Rings until cancelled: 200 to the CANCEL, 487 to the INVITE. */
const RINGS_UNTIL_CANCEL = `<recv request="INVITE" crlf="true"/>
${reply("180 Ringing")}
<recv request="CANCEL"/>
${reply("200 OK")}
<send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: 1 INVITE
Content-Length: 0

]]></send>
<recv request="ACK"/>`;

/** A caller that hangs up while it rings: CANCEL after the 180, then the 487 and its ACK. */
const CALLER_CANCELS = `<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:canceller@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:canceller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="100" optional="true"/>
<recv response="180"/>
<pause milliseconds="300"/>
<send retrans="500"><![CDATA[
CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:canceller@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>
<recv response="487"/>
<send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:canceller@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>`;

describeEdge("SIP edge call records", "127.0.120.1", (stack) => {
  let p: Provision;
  let carrier: CarrierClient;
  let store: Store;
  let account: string;
  let src: string;
  let dir: string;
  const uases: Uas[] = [];
  const pbxes: Pbx[] = [];
  const uas = async (host: string, answer = 200) => {
    const u = await startUas(host, await freePort(), answer, "tcp");
    uases.push(u);
    return u;
  };
  const dial = (number: string, scenario: UacScenario = { expect: 200 }, extra: Partial<CallOptions> = {}) =>
    call({ edge: stack().edge, from: "127.0.121.5", number, ...extra }, scenario);
  const trunkId = async (sid: string) => (await store.db.selectFrom("trunks").select("id").where("sid", "=", sid).executeTakeFirstOrThrow()).id;

  /** The records of calls to `to` (as received), once `count` are there (the edge writes as the call ends). */
  const records = async (to: string, count = 1): Promise<CallRow[]> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = await store.db.selectFrom("calls").selectAll().where("to_number", "=", to).orderBy("id").execute();
      if (rows.length >= count || Date.now() > deadline) {
        // A second row would be a duplicate: give it a moment to show up, then count.
        await new Promise((r) => setTimeout(r, 300));
        return store.db.selectFrom("calls").selectAll().where("to_number", "=", to).orderBy("id").execute();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const one = async (to: string): Promise<CallRow> => {
    const rows = await records(to);
    assert.equal(rows.length, 1, `exactly one record of the call to ${to}: ${JSON.stringify(rows)}`);
    const row = rows[0] as CallRow;
    assert.match(row.sid, /^[0-9a-f]{32}$/);
    assert.match(row.started_at, ISO);
    assert.match(row.ended_at, ISO);
    assert.ok(row.ended_at >= row.started_at);
    assert.equal(row.edge_id, stack().edge);
    assert.ok(row.call_id.length > 0);
    return row;
  };
  const hops = (sid: string): Promise<CallHopRow[]> => store.db.selectFrom("call_hops").selectAll().where("call_sid", "=", sid).orderBy("hop").execute();

  before(async () => {
    const s = stack();
    store = openStore({ databaseUrl: s.options.databaseUrl, pgSchema: s.options.pgSchema, poolSize: 2 });
    dir = mkdtempSync(join(tmpdir(), "tl-records-"));
    account = `rec${s.engine}`;
    const clients = await s.server.clients(account);
    p = new Provision(clients.exotel);
    carrier = clients.carrier;
    src = await p.trunk("caller_pbx");
    await p.allow(src, "127.0.121.0", 24);
    await s.settled();
  });
  after(async () => {
    for (const u of uases) await u.stop();
    for (const x of pbxes) await x.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("an answered call the caller hangs up: completed, with trunks, direction, numbers, destination, times and ring time", async () => {
    const pbx = await uas("127.0.120.101");
    const t = await p.trunk("answering");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(t, "+919800001001");
    await stack().settled();
    expectCall(await dial("+919800001001", { expect: 200, holdMs: 1500 }), "answered call");
    const row = await one("+919800001001");
    assert.deepEqual(
      {
        account_sid: row.account_sid,
        trunk_in_id: row.trunk_in_id,
        trunk_out_id: row.trunk_out_id,
        direction: row.direction,
        from_number: row.from_number,
        dial_string: row.dial_string,
        phone_number: row.phone_number,
        status: row.status,
        sip_code: row.sip_code,
        sip_reason: row.sip_reason,
        destination_first: row.destination_first,
        destination: row.destination,
        attempts: row.attempts,
      },
      {
        account_sid: account,
        trunk_in_id: await trunkId(src),
        trunk_out_id: await trunkId(t),
        direction: "inbound",
        from_number: "caller",
        dial_string: "+919800001001",
        phone_number: "+919800001001",
        status: "completed",
        sip_code: 200,
        sip_reason: "OK",
        destination_first: `sip:${pbx.address};transport=tcp`,
        destination: `sip:${pbx.address};transport=tcp`,
        attempts: 1,
      },
    );
    assert.match(row.answered_at ?? "", ISO);
    assert.ok((row.answered_at as string) >= row.started_at && row.ended_at >= (row.answered_at as string));
    assert.ok(row.duration >= 1 && row.duration <= 5, `held 1.5 s: duration ${row.duration}`);
    assert.ok(row.ring_ms !== null && row.ring_ms >= 0 && row.ring_ms < 5000, `ring_ms ${row.ring_ms}`);
    assert.deepEqual(await hops(row.sid), []);
  });

  it("an answered call the called PBX hangs up: one completed record", async () => {
    const pbx = await startPbx("127.0.124.1", await freePort(), "tcp", { hangUpAfterMs: 300 });
    pbxes.push(pbx);
    const t = await p.trunk("hanging_up");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(t, "+919800001002");
    await stack().settled();
    expectCall(await dial("+919800001002", { expect: 200, byeFromCallee: true }), "callee hangs up");
    assert.deepEqual(
      (await pbx.hangUps()).map((h) => h.status),
      [200],
    );
    const row = await one("+919800001002");
    assert.equal(row.status, "completed");
    assert.equal(row.sip_code, 200);
    assert.match(row.answered_at ?? "", ISO);
  });

  it("a busy destination (486): busy, never answered", async () => {
    const pbx = await uas("127.0.120.103", 486);
    const t = await p.trunk("busy");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(t, "+919800001003");
    await stack().settled();
    expectCall(await dial("+919800001003", { expect: 486 }), "busy");
    const row = await one("+919800001003");
    assert.deepEqual(
      [row.status, row.sip_code, row.answered_at, row.duration, row.attempts, row.destination, row.trunk_out_id],
      ["busy", 486, null, 0, 1, `sip:${pbx.address};transport=tcp`, await trunkId(t)],
    );
  });

  it("a destination that rings and gives up (180, then 480): no-answer, with its ring time", async () => {
    const port = await freePort();
    const pbx = sipp(dir, "rings", RINGS_THEN_480(700), ["-i", "127.0.120.104", "-p", String(port), "-t", "t1", "-m", "1"]);
    await new Promise((r) => setTimeout(r, 200));
    const t = await p.trunk("ringing");
    await p.destinations(t, [{ destination: `127.0.120.104:${port};transport=tcp` }]);
    await p.map(t, "+919800001004");
    await stack().settled();
    expectCall(await dial("+919800001004", { expect: 480 }), "no answer");
    const done = await pbx;
    assert.ok(done.ok, done.detail);
    const row = await one("+919800001004");
    assert.deepEqual([row.status, row.sip_code, row.answered_at], ["no-answer", 480, null]);
    assert.ok(row.ring_ms !== null && row.ring_ms < 700, `ringing began before the 480: ring_ms ${row.ring_ms}`);
  });

  it("a caller that cancels while it rings: canceled, 487", async () => {
    const port = await freePort();
    const pbx = sipp(dir, "ringsforever", RINGS_UNTIL_CANCEL, ["-i", "127.0.120.105", "-p", String(port), "-t", "t1", "-m", "1"]);
    await new Promise((r) => setTimeout(r, 200));
    const t = await p.trunk("cancelled");
    await p.destinations(t, [{ destination: `127.0.120.105:${port};transport=tcp` }]);
    await p.map(t, "+919800001005");
    await stack().settled();
    const caller = await sipp(dir, "cancels", CALLER_CANCELS, [stack().edge, "-i", "127.0.121.6", "-p", "0", "-s", "+919800001005", "-t", "u1", "-m", "1", "-recv_timeout", "8000"]);
    assert.ok(caller.ok, caller.detail);
    const done = await pbx;
    assert.ok(done.ok, done.detail);
    const row = await one("+919800001005");
    assert.deepEqual([row.status, row.sip_code, row.sip_reason, row.from_number, row.answered_at], ["canceled", 487, "Request Terminated", "canceller", null]);
  });

  it("failover: the first destination answers 503, the second answers; one record, and one hop for the 503", async () => {
    const failing = await uas("127.0.120.106", 503);
    const answering = await uas("127.0.120.107");
    const t = await p.trunk("failover");
    await p.destinations(t, [
      { destination: `${failing.address};transport=tcp`, priority: 1 },
      { destination: `${answering.address};transport=tcp`, priority: 2 },
    ]);
    await p.map(t, "+919800001006");
    await stack().settled();
    expectCall(await dial("+919800001006"), "failover call");
    const row = await one("+919800001006");
    assert.deepEqual(
      [row.status, row.attempts, row.destination_first, row.destination],
      ["completed", 2, `sip:${failing.address};transport=tcp`, `sip:${answering.address};transport=tcp`],
    );
    const h = await hops(row.sid);
    assert.deepEqual(
      h.map((x) => [x.hop, x.destination, x.sip_code, x.sip_reason]),
      [[1, `sip:${failing.address};transport=tcp`, 503, "Failure"]],
    );
    assert.match((h[0] as CallHopRow).at, ISO);
  });

  it("an outbound call: direction outbound, the dial string as sent", async () => {
    // No route prefixes anywhere: the account's first trunk without prefixes other than the
    // caller's ("answering", whose PBX answers) carries it.
    expectCall(await dial("0044207946001"), "call out");
    const row = await one("0044207946001");
    assert.equal(row.direction, "outbound");
    assert.equal(row.phone_number, null);
    assert.equal(row.trunk_in_id, await trunkId(src));
    assert.ok(row.trunk_out_id !== null && row.trunk_out_id !== row.trunk_in_id);
    assert.equal(row.dial_string, "0044207946001");
    assert.equal(row.status, "completed");
  });

  it("edge rejections: 403 (bad credentials; the 407 challenge alone is no record), 404 (no route), 480 (no destination), 503 (channels)", async () => {
    // 403: a source in no ACL, credentials of a real trunk with the wrong password.
    const t = await p.trunk("with_creds");
    const cred = await p.addCredential(t, "recuser", "Right-password-1");
    assert.ok(cred.id);
    await stack().settled();
    expectCall(await dial("+919800001010", { expect: 403, auth: true }, { from: "127.0.122.5", auth: { user: "recuser", password: "wrong" } }), "wrong password");
    const forbidden = await one("+919800001010");
    assert.deepEqual(
      [forbidden.status, forbidden.sip_code, forbidden.sip_reason, forbidden.account_sid, forbidden.trunk_in_id, forbidden.trunk_out_id, forbidden.direction, forbidden.attempts],
      ["failed", 403, "Forbidden", null, null, null, null, 0],
    );
    // Challenged and never coming back: nothing to record.
    expectCall(await dial("+919800001011", { expect: 407 }, { from: "127.0.122.6" }), "challenged");
    assert.deepEqual(await records("+919800001011", 0), []);

    // 404: an account whose only trunk is the caller's has nowhere to route a call out.
    const lone = await stack().server.clients(`lone${stack().engine}`);
    const lp = new Provision(lone.exotel);
    const loneTrunk = await lp.trunk("lone");
    await lp.allow(loneTrunk, "127.0.123.0", 24);
    await stack().settled();
    expectCall(await dial("5550001012", { expect: 404 }, { from: "127.0.123.5" }), "no route");
    const notFound = await one("5550001012");
    assert.deepEqual(
      [notFound.status, notFound.sip_code, notFound.account_sid, notFound.trunk_in_id, notFound.trunk_out_id, notFound.direction],
      ["failed", 404, `lone${stack().engine}`, await trunkId(loneTrunk), null, null],
    );

    // 480: a platform number on a trunk without destinations.
    const empty = await p.trunk("no_destinations");
    await p.map(empty, "+919800001013");
    await stack().settled();
    expectCall(await dial("+919800001013", { expect: 480 }), "no destination");
    const none = await one("+919800001013");
    assert.deepEqual(
      [none.status, none.sip_code, none.sip_reason, none.direction, none.trunk_out_id, none.phone_number, none.destination, none.attempts],
      ["failed", 480, "No Destination", "inbound", await trunkId(empty), "+919800001013", null, 0],
    );

    // 503: a trunk at its max_channels.
    const pbx = await uas("127.0.120.114");
    const limited = await carrier.create({ name: "limited", authentication_mode: "ip_address", region: "ap-south-1", inbound_source_ips: ["127.0.121.77"], max_channels: 1 });
    assert.equal(limited.status, 201, limited.text);
    const target = await p.trunk("limit_target");
    await p.destinations(target, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(target, "+919800001014");
    await stack().settled();
    const held = dial("+919800001014", { expect: 200, holdMs: 2500 }, { from: "127.0.121.77" });
    const deadline = Date.now() + 5000;
    while (pbx.invites().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expectCall(await dial("+919800001014", { expect: 503 }, { from: "127.0.121.77" }), "second concurrent call");
    expectCall(await held, "the call within the limit");
    const rows = await records("+919800001014", 2);
    assert.deepEqual(rows.map((r) => [r.status, r.sip_code, r.sip_reason]).sort(), [
      ["completed", 200, "OK"],
      ["failed", 503, "Channel Limit Reached"],
    ]);
  });

  it("an INVITE retransmitted after the edge's own rejection gets the same answer and no second record", async () => {
    const t = await p.trunk("retransmitted");
    await p.map(t, "+919800001030");
    await stack().settled();
    const [host, port] = stack().edge.split(":") as [string, string];
    const sock = createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, "127.0.121.9", () => r()));
    const local = `127.0.121.9:${sock.address().port}`;
    const finals: string[] = [];
    sock.on("message", (m) => {
      const text = m.toString();
      if (/^SIP\/2\.0 [2-6]\d\d /.test(text)) finals.push(text);
    });
    const callId = `retx-${Date.now()}@127.0.121.9`;
    const head = (method: string, toTag = "") =>
      [
        `${method} sip:+919800001030@${stack().edge} SIP/2.0`,
        `Via: SIP/2.0/UDP ${local};branch=z9hG4bK-retx-${callId.length}`,
        `From: <sip:retx@${local}>;tag=retx1`,
        `To: <sip:+919800001030@${stack().edge}>${toTag}`,
        `Call-ID: ${callId}`,
        `CSeq: 1 ${method}`,
        `Contact: <sip:retx@${local}>`,
        "Max-Forwards: 70",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n");
    const send = (text: string) => new Promise<void>((r, j) => sock.send(text, Number(port), host, (e) => (e ? j(e) : r())));
    const finalsAtLeast = async (n: number) => {
      const deadline = Date.now() + 5000;
      while (finals.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(finals.length >= n, `${n} final answers, got ${finals.length}`);
    };
    try {
      await send(head("INVITE"));
      await finalsAtLeast(1);
      await send(head("INVITE"));
      await finalsAtLeast(2);
      assert.match(finals[0] as string, /^SIP\/2\.0 480 No Destination/);
      assert.match(finals[1] as string, /^SIP\/2\.0 480 No Destination/);
      const toTag = /^To:.*(;tag=[^;\r\n]+)/m.exec(finals[0] as string)?.[1] ?? "";
      await send(head("ACK", toTag));
    } finally {
      sock.close();
    }
    const row = await one("+919800001030");
    assert.deepEqual([row.status, row.sip_code, row.call_id, row.from_number], ["failed", 480, callId, "retx"]);
  });

  it("the bound of losing the edge (stopped and restarted under a call): finished calls stay recorded, the call up at the time has no record, calls after the restart are", async () => {
    const pbx = await uas("127.0.120.121");
    const t = await p.trunk("edge_restart");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(t, "+919800001021");
    await p.map(t, "+919800001022");
    await stack().settled();
    expectCall(await dial("+919800001021"), "a finished call");
    await one("+919800001021");
    // Up for 4 s; the edge goes away under it and its BYE finds no dialog. The harness stops Kamailio
    // with SIGTERM; a SIGKILL loses no more, since the dialogs are in memory only either way.
    const inProgress = dial("+919800001022", { expect: 200, holdMs: 4000 }, { from: "127.0.121.8", timeoutS: 20 });
    const deadline = Date.now() + 5000;
    while (!pbx.invites().some((i) => i.startsWith("INVITE sip:+919800001022@")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await stack().restartEdge();
    await inProgress;
    assert.equal((await records("+919800001021", 1)).length, 1, "the finished call's record survives");
    assert.deepEqual(await records("+919800001022", 0), [], "the call up during the crash has no record");
    expectCall(await dial("+919800001021"), "a call after the restart");
    assert.equal((await records("+919800001021", 2)).length, 2);
  });

  it("a call placed while the API is stopped is recorded (the edge writes to the store itself)", async () => {
    const pbx = await uas("127.0.120.120");
    const t = await p.trunk("api_down");
    await p.destinations(t, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(t, "+919800001020");
    await stack().settled();
    await stack().stopApi();
    expectCall(await dial("+919800001020", { expect: 200 }), "call with the API down");
    const row = await one("+919800001020");
    assert.equal(row.status, "completed");
  });
  // No OPTIONS probes: the one-call sipp PBXs above would take a probe for their call.
}, { TRUNKLINE_EDGE_PROBE_INTERVAL: "0" });
