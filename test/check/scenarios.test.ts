import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { describeEdge } from "../edge/harness.js";
import { Provision } from "../edge/provision.js";
import { freePort } from "../helpers/process.js";
import { flow, removeLogs, runUac, startShippedUas, type ShippedUas, type SippTransport } from "./shipped.js";

/**
 * The Record-Route-aware sipp scenarios shipped in examples/sipp, run as files against a real
 * Kamailio edge: answered and hung up from each side, over UDP and TCP, admitted by ACL and by
 * digest. The ACK and BYE must go through the edge (Record-Route) to the destination that answered.
 */
describeEdge("shipped sipp scenarios (examples/sipp)", "127.0.90.1", (stack) => {
  const ACL_FROM = "127.0.90.10";
  const DIGEST_FROM = "127.0.90.11";
  const uas: Record<string, ShippedUas> = {};
  let caller: { sid: string; user: string; password: string };
  const numbers: Record<string, string> = {};

  // One destination trunk per (UAS scenario, transport), each with its own number.
  const destinations: Array<{ key: string; file: string; address: string; transport: SippTransport; number: string }> = [
    { key: "uas-tcp", file: "uas.xml", address: "127.0.90.20", transport: "tcp", number: "+919800090020" },
    { key: "uas-udp", file: "uas.xml", address: "127.0.90.21", transport: "udp", number: "+919800090021" },
    { key: "hangs-up-tcp", file: "uas-hangs-up.xml", address: "127.0.90.22", transport: "tcp", number: "+919800090022" },
    { key: "hangs-up-udp", file: "uas-hangs-up.xml", address: "127.0.90.23", transport: "udp", number: "+919800090023" },
  ];

  /** UDP destinations come only through the carrier API's outbound_host; numbers through the Exotel API (same row). */
  const udpTrunk = async (name: string, address: string): Promise<string> => {
    const server = stack().server;
    const uuid = await server.demoCarrier.createTrunk(name, { outbound_host: address });
    return (await server.runtime.services.trunks.get(server.demo.accountSid, { uuid })).sid;
  };

  before(async () => {
    const p = new Provision(stack().server.demo);
    const sid = await p.trunk("pbx");
    await p.allow(sid, ACL_FROM, 32);
    const cred = await p.credentials(sid);
    caller = { sid, user: cred.username, password: cred.password };
    for (const d of destinations) {
      const server = await startShippedUas(d.file, d.address, await freePort(), d.transport, 300);
      uas[d.key] = server;
      const trunk = d.transport === "tcp" ? await p.trunk(d.key.replace(/-/g, "_")) : await udpTrunk(d.key, server.address);
      if (d.transport === "tcp") await p.destinations(trunk, [{ destination: `${server.address};transport=tcp` }]);
      await p.map(trunk, d.number);
      numbers[d.key] = d.number;
    }
    await stack().settled();
  });
  after(async () => {
    for (const s of Object.values(uas)) await s.stop();
    removeLogs();
  });

  const received = (s: ShippedUas, method: string) => flow(s.messages()).filter((l) => l === `< ${method}`).length;

  for (const t of ["udp", "tcp"] as const) {
    it(`uac.xml over ${t.toUpperCase()}, admitted by ACL: answered, and the caller's BYE reaches the destination through the edge`, async () => {
      const dest = uas["uas-tcp"] as ShippedUas;
      const byes = received(dest, "BYE");
      const run = await runUac("uac.xml", { edge: stack().edge, from: ACL_FROM, number: numbers["uas-tcp"] as string, transport: t });
      assert.equal(run.code, 0, run.detail);
      const seen = flow(run.messages);
      assert.ok(!seen.includes("< 407 INVITE"), `no challenge for an ACL address: ${seen.join(", ")}`);
      assert.deepEqual(seen.filter((l) => /200|ACK|BYE/.test(l)), ["< 200 INVITE", "> ACK", "> BYE", "< 200 BYE"]);
      assert.equal(received(dest, "BYE"), byes + 1, "the destination received the BYE");
      // ACK and BYE were addressed to the destination that answered, routed through the edge.
      const bye = run.messages.find((m) => m.sent && m.text.startsWith("BYE ")) as { text: string };
      assert.match(bye.text, new RegExp(`^BYE sip:${dest.address.replace(/\./g, "\\.")}`));
      assert.match(bye.text, new RegExp(`^Route: <sip:${stack().edge.split(":")[0]?.replace(/\./g, "\\.")}`, "m"));
    });

    it(`uac.xml over ${t.toUpperCase()} with digest: the 407 is answered with the credential and the call completes`, async () => {
      const dest = uas["uas-udp"] as ShippedUas;
      // As PBXs send it: the caller id in the From user, the credential only in the auth user.
      const run = await runUac("uac.xml", { edge: stack().edge, from: DIGEST_FROM, number: numbers["uas-udp"] as string, transport: t, caller: "+912233445566", auth: caller });
      assert.equal(run.code, 0, run.detail);
      assert.deepEqual(flow(run.messages).filter((l) => !/ 1\d\d /.test(l)), ["> INVITE", "< 407 INVITE", "> ACK", "> INVITE", "< 200 INVITE", "> ACK", "> BYE", "< 200 BYE"]);
      assert.ok(received(dest, "BYE") >= 1, "the destination received the BYE");
    });

    it(`uac-callee-hangs-up.xml over ${t.toUpperCase()} with uas-hangs-up.xml: the destination's BYE reaches the caller through the edge`, async () => {
      const dest = uas[`hangs-up-${t}`] as ShippedUas;
      const run = await runUac("uac-callee-hangs-up.xml", { edge: stack().edge, from: ACL_FROM, number: numbers[`hangs-up-${t}`] as string, transport: t });
      assert.equal(run.code, 0, run.detail);
      assert.deepEqual(flow(run.messages).filter((l) => /200|ACK|BYE/.test(l)), ["< 200 INVITE", "> ACK", "< BYE", "> 200 BYE"]);
      // The destination sent the BYE to the caller's Contact via the edge's Record-Route, and got 200.
      const sent = dest.messages().filter((m) => m.sent && m.text.startsWith("BYE ")).pop();
      assert.ok(sent, "the destination sent a BYE");
      assert.match(sent.text, new RegExp(`^BYE sip:[^@]+@${ACL_FROM.replace(/\./g, "\\.")}`));
      assert.match(sent.text, /^Route: </m);
      assert.ok(flow(dest.messages()).includes("< 200 BYE"), "the destination's BYE was answered 200");
    });
  }
});
