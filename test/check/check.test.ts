import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, it } from "node:test";
import type { CheckResult } from "../../src/check/report.js";
import { edgeInfo, startEdgeHeartbeat } from "../../src/edge/registry.js";
import { selfSignedCertificate } from "../../src/edge/tls.js";
import { openStore } from "../../src/store/db.js";
import { phoneNumbersRepo } from "../../src/store/repositories/phoneNumbers.js";
import { trunksRepo } from "../../src/store/repositories/trunks.js";
import { whitelistedIpsRepo } from "../../src/store/repositories/whitelistedIps.js";
import { describeEdge } from "../edge/harness.js";
import { Provision } from "../edge/provision.js";
import { startTlsUas } from "../edge/sipTls.js";
import { freePort } from "../helpers/process.js";
import { removeLogs, startShippedUas, type ShippedUas } from "./shipped.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

/**
 * `trunkline check TRUNK` run as the CLI process against a real Kamailio edge: passes on a
 * working trunk (a shipped sipp UAS answering OPTIONS and the test call) and names the broken
 * step, with exit code 1, for each way a trunk can be unable to carry a call.
 */
describeEdge("trunkline check", "127.0.91.1", (stack) => {
  const ACL_FROM = "127.0.91.10";
  const OUTSIDE_ACL = "127.0.91.11";
  let tcpUas: ShippedUas;
  let udpUas: ShippedUas;
  let good: { sid: string; uuid: string; number: string };

  const rpcUrl = () => `http://127.0.0.1:${stack().options.rpcPort}/RPC`;

  /** `trunkline check ARGS` on the stack's store, as an operator would run it on the edge's host. */
  const check = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const { runtime } = stack().server;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: runtime.config.databaseUrl,
      TRUNKLINE_SECRET_KEY: runtime.config.secretKey,
      TRUNKLINE_EDGE_RPC_URLS: "",
    };
    delete env.TRUNKLINE_PG_SCHEMA;
    if (stack().engine === "postgres") env.TRUNKLINE_PG_SCHEMA = runtime.store.pgSchema;
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", MAIN, "check", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
  };
  const checkJson = async (args: string[]): Promise<{ code: number | null; result: CheckResult; out: string }> => {
    const r = await check([...args, "--json"]);
    const out = `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
    let result: CheckResult;
    try {
      result = JSON.parse(r.stdout) as CheckResult;
    } catch {
      throw new Error(`check --json printed no JSON:\n${out}`);
    }
    return { code: r.code, result, out };
  };
  const failed = (r: CheckResult) => r.steps.filter((s) => !s.ok).map((s) => s.name);

  before(async () => {
    tcpUas = await startShippedUas("uas.xml", "127.0.91.20", await freePort(), "tcp");
    udpUas = await startShippedUas("uas.xml", "127.0.91.21", await freePort(), "udp");
    const p = new Provision(stack().server.demo);
    const sid = await p.trunk("good");
    await p.allow(sid, ACL_FROM, 32);
    await p.destinations(sid, [{ destination: `${tcpUas.address};transport=tcp` }]);
    await p.map(sid, "+919800091001");
    const { uuid } = await stack().server.runtime.services.trunks.get(stack().server.demo.accountSid, { sid });
    good = { sid, uuid, number: "+919800091001" };
    await stack().settled();
  });
  after(async () => {
    await tcpUas?.stop();
    await udpUas?.stop();
    removeLogs();
  });

  it("passes on a working trunk and places a call admitted by its ACL: admission, route, answer, BYE", async () => {
    const { code, result, out } = await checkJson([good.sid, "--rpc", rpcUrl(), "--call", good.number]);
    assert.equal(code, 0, out);
    assert.equal(result.ok, true, out);
    assert.deepEqual(result.steps.map((s) => s.name), ["numbers", "access", "destinations", "edge", "options", "sync", "admission", "route", "answer", "bye"], out);
    assert.deepEqual(failed(result), [], out);
    const step = (name: string) => result.steps.find((s) => s.name === name)?.detail ?? "";
    assert.match(step("numbers"), /^1 mapped: \+919800091001/);
    assert.match(step("options"), new RegExp(`^sip:${tcpUas.address.replace(/\./g, "\\.")};transport=tcp: 200 OK in \\d+ ms`));
    assert.match(step("admission"), new RegExp(`without a challenge from ${ACL_FROM.replace(/\./g, "\\.")}`));
    assert.match(step("route"), new RegExp(`answered by ${tcpUas.address.replace(/\./g, "\\.")} \\(destination 1 of 1 of this trunk\\)`));
    assert.equal(step("answer"), "200 OK");
    assert.match(step("bye"), /^200 OK/);
    assert.deepEqual(result.trunk, { ref: good.sid, sid: good.sid, uuid: good.uuid, name: "good", accountSid: stack().server.demo.accountSid });
  });

  it("named by its carrier id, calling from outside the ACL: challenged (407) and authenticated with the trunk's credential", async () => {
    const { code, result, out } = await checkJson([good.uuid, "--rpc", rpcUrl(), "--call", good.number, "--from", OUTSIDE_ACL]);
    assert.equal(code, 0, out);
    assert.match(result.steps.find((s) => s.name === "admission")?.detail ?? "", new RegExp(`^challenged \\(407\\), authenticated as ${good.sid} from ${OUTSIDE_ACL.replace(/\./g, "\\.")}`), out);
    assert.equal(result.steps.find((s) => s.name === "bye")?.ok, true, out);
  });

  it("finds the edges registered in the store when no --rpc is given, and prints ✔ per step", async () => {
    const { config, store } = stack().server.runtime;
    const heartbeat = await startEdgeHeartbeat(store, edgeInfo(stack().options, config), { intervalSeconds: 60 });
    try {
      const r = await check([good.sid]);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const lines = r.stdout.trimEnd().split("\n");
      assert.match(lines[0] as string, new RegExp(`^trunkline check: trunk ${good.sid} \\("good"`));
      for (const name of ["numbers", "access", "destinations", "edge", "options", "sync"]) assert.ok(lines.some((l) => l.startsWith(`✔ ${name} `)), `${name}:\n${r.stdout}`);
      assert.ok(lines.some((l) => l.startsWith("✔ edge") && l.includes(`${rpcUrl()} answering (registered in the store)`)), r.stdout);
      assert.equal(lines.at(-1), "this trunk can carry a call now");
    } finally {
      await heartbeat.stop();
    }
  });

  it("an unknown trunk: exit 1, step trunk", async () => {
    const { code, result, out } = await checkJson(["trmumnosuchtrunk0000000000000", "--rpc", rpcUrl()]);
    assert.equal(code, 1, out);
    assert.deepEqual(failed(result), ["trunk"], out);
  });

  it("no numbers mapped: exit 1, step numbers, with the curl that maps one", async () => {
    const p = new Provision(stack().server.demo);
    const sid = await p.trunk("nonumbers");
    await p.allow(sid, ACL_FROM, 32);
    await p.destinations(sid, [{ destination: `${tcpUas.address};transport=tcp` }]);
    await stack().settled();
    const { code, result, out } = await checkJson([sid, "--rpc", rpcUrl()]);
    assert.equal(code, 1, out);
    assert.equal(result.ok, false);
    assert.deepEqual(failed(result), ["numbers"], out);
    assert.match(result.steps.find((s) => s.name === "numbers")?.fix ?? "", new RegExp(`curl .*/trunks/${sid}/phone-numbers`));
  });

  it("no ACL entry and no credential (a carrier trunk without inbound_source_ips): exit 1, step access", async () => {
    const server = stack().server;
    const uuid = await server.demoCarrier.createTrunk("noaccess", { outbound_host: udpUas.address });
    const { sid } = await server.runtime.services.trunks.get(server.demo.accountSid, { uuid });
    await new Provision(server.demo).map(sid, "+919800091002");
    await stack().settled();
    const { code, result, out } = await checkJson([uuid, "--rpc", rpcUrl()]);
    assert.equal(code, 1, out);
    assert.deepEqual(failed(result), ["access"], out);
    // Its UDP destination (the carrier API's outbound_host) answered OPTIONS sent from the edge.
    assert.match(result.steps.find((s) => s.name === "options")?.detail ?? "", new RegExp(`^sip:${udpUas.address.replace(/\./g, "\\.")};transport=udp: 200 OK`), out);
  });

  it("a destination not answering: exit 1, step options, with the edge's reply code", async () => {
    const p = new Provision(stack().server.demo);
    const sid = await p.trunk("deaddest");
    await p.allow(sid, ACL_FROM, 32);
    const silent = `127.0.91.30:${await freePort()}`;
    await p.destinations(sid, [{ destination: `${silent};transport=tcp` }]);
    await p.map(sid, "+919800091003");
    await stack().settled();
    const { code, result, out } = await checkJson([sid, "--rpc", rpcUrl()]);
    assert.equal(code, 1, out);
    assert.deepEqual(failed(result), ["options"], out);
    assert.match(result.steps.find((s) => s.name === "options")?.detail ?? "", new RegExp(`^sip:${silent.replace(/\./g, "\\.")};transport=tcp: (408|47\\d|5\\d\\d) `), out);
  });

  it("a TLS destination: OPTIONS from the edge's TLS socket, and the call answered and hung up over TLS", async () => {
    const certDir = mkdtempSync(join(tmpdir(), "tl-check-tls-"));
    const pbx = await startTlsUas("127.0.91.40", await freePort(), selfSignedCertificate(join(certDir, "pbx")));
    try {
      const p = new Provision(stack().server.demo);
      const sid = await p.trunk("tlsdest");
      await p.allow(sid, ACL_FROM, 32);
      await p.destinations(sid, [{ destination: `${pbx.address};transport=tls` }]);
      await p.map(sid, "+919800091004");
      await stack().settled();
      const { code, result, out } = await checkJson([sid, "--rpc", rpcUrl(), "--call", "+919800091004"]);
      assert.equal(code, 0, out);
      const step = (name: string) => result.steps.find((s) => s.name === name)?.detail ?? "";
      assert.match(step("options"), new RegExp(`^sip:${pbx.address.replace(/\./g, "\\.")};transport=tls: 200 OK`), out);
      assert.match(step("route"), new RegExp(`answered by ${pbx.address.replace(/\./g, "\\.")} \\(destination 1 of 1`), out);
      assert.deepEqual(pbx.requests().map((r) => r.method).filter((m) => m !== "OPTIONS"), ["INVITE", "ACK", "BYE"]);
    } finally {
      await pbx.stop();
      rmSync(certDir, { recursive: true, force: true });
    }
  });

  it("an edge that does not answer JSON-RPC: exit 1, step edge, and nothing checked on it", async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}/RPC`;
    const { code, result, out } = await checkJson([good.sid, "--rpc", nowhere]);
    assert.equal(code, 1, out);
    assert.deepEqual(failed(result), ["edge"], out);
    assert.deepEqual(result.steps.map((s) => s.name), ["numbers", "access", "destinations", "edge"], out);
    assert.match(result.steps.find((s) => s.name === "edge")?.fix ?? "", /trunkline up/);
  });

  // Last: it stops the API server.
  it("the edge out of sync (a number and an ACL entry written to the store while no API server pushes them): exit 1, step sync", async () => {
    await stack().stopApi();
    const { config, store: closed } = stack().server.runtime;
    const store = openStore({ databaseUrl: config.databaseUrl, pgSchema: closed.pgSchema, poolSize: 1 });
    try {
      const row = await trunksRepo.findAnyAccount(store.db, good.sid);
      assert.ok(row);
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      await phoneNumbersRepo.insert(store.db, { trunk_id: row.id, number: "+919800091099", mode: null, created_at: now, updated_at: now });
      await whitelistedIpsRepo.insert(store.db, { trunk_id: row.id, ip: "127.0.91.99", mask: 32, friendly_name: null, created_at: now, updated_at: now });
    } finally {
      await store.close();
    }
    const { code, result, out } = await checkJson([good.sid, "--rpc", rpcUrl()]);
    assert.equal(code, 1, out);
    assert.deepEqual(failed(result), ["sync"], out);
    const sync = result.steps.find((s) => s.name === "sync");
    assert.match(sync?.detail ?? "", /: 2 of \d+ keys and entries differ from the store: /, out);
    assert.match(sync?.detail ?? "", /numbers\[919800091099\]: store '\d+:pstn', edge absent/, out);
    assert.match(sync?.detail ?? "", /ACL 127\.0\.91\.99\/32: in the store, not on the edge/, out);
    assert.match(sync?.fix ?? "", /is the API server running\?/);
  });
});
