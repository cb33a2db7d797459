import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { kamailioProcesses } from "../../src/cli/commands/edge.js";
import { kamailioModulePath } from "../../src/edge/config.js";
import { requireKamailio } from "../../src/edge/process.js";
import { requireRtpengine } from "../../src/media/process.js";
import { freePort, stopChild } from "../helpers/process.js";
import { addHosts, unresolvable } from "../edge/hosts.js";
import { requireSipp } from "../edge/sipp.js";
import { builtCli, ROOT } from "./built.js";

const AUTH = "Basic " + Buffer.from("exoteltest:a1b2c3d4e5f6g7h8i9j0").toString("base64");
const BEARER = "Bearer a1b2c3d4e5f6g7h8i9j0";
/** The Record-Route-aware scenarios shipped for users (README, examples/sipp). */
const UAC = join(ROOT, "examples/sipp/uac.xml");
const UAS = join(ROOT, "examples/sipp/uas.xml");

interface Up {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  base: string;
}

/**
 * `trunkline up --demo` as a user runs it: the built bin, in a fresh working directory (so
 * ./data is new), with only port settings in the environment — nothing that wires its parts.
 */
async function startUp(dir: string, extra: NodeJS.ProcessEnv = {}, detached = false): Promise<Up & { sip: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(TRUNKLINE_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$)/.test(k)) env[k] = v;
  const [http, sip, rpc] = [await freePort(), await freePort(), await freePort()];
  // The media relay's ng port too: rtpengine's default 127.0.0.1:2223 is one per machine.
  Object.assign(env, { PORT: String(http), TRUNKLINE_EDGE_LISTEN: `127.0.100.1:${sip}`, TRUNKLINE_EDGE_RPC: `127.0.100.1:${rpc}`, TRUNKLINE_MEDIA_NG_LISTEN: `127.0.100.1:${await freePort()}` }, extra);
  const child = spawn(process.execPath, [builtCli(), "up", "--demo"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout = (stdout + d.toString()).slice(-200_000)));
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-50_000)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited, base: `http://127.0.0.1:${http}`, sip: `127.0.100.1:${sip}` };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, up: Up, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (up.child.exitCode !== null) throw new Error(`${what}: trunkline up exited with ${up.child.exitCode}\n${up.stderr()}\n${up.stdout().slice(-5000)}`);
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n--- stderr:\n${up.stderr()}\n--- stdout:\n${up.stdout().slice(-5000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const readyz = async (up: Up) => (await (await fetch(`${up.base}/readyz`)).json()) as { status: string; checks: Record<string, unknown> };

/** The line `up` logs once the edge answers: Kamailio's pid and config file. */
function edgeLine(up: Up): { kamailio_pid: number; config: string } | undefined {
  for (const line of up.stdout().split("\n")) if (line.includes('"SIP edge running"')) return JSON.parse(line) as { kamailio_pid: number; config: string };
  return undefined;
}
const kamailioPid = (up: Up) => edgeLine(up)?.kamailio_pid;

/** After a failed test: the `up` process and any Kamailio it left (by pid, found by its config file). */
function stopLeftovers(up: Up): void {
  if (up.child.exitCode === null) up.child.kill("SIGKILL");
  const edge = edgeLine(up);
  if (edge) for (const pid of kamailioProcesses(edge.config)) process.kill(pid, "SIGKILL");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Sipp {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

function sipp(args: string[]): Sipp {
  const child = spawn("sipp", [...args, "-nostdin"], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  return { child, exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))), output: () => output };
}

describe("trunkline up --demo, as the README runs it", () => {
  let dir: string;
  let up: Awaited<ReturnType<typeof startUp>>;
  let pbx: Sipp;
  let pbxLog: string;
  let pbxPort: number;
  let hosts: ReturnType<typeof addHosts<"pbx">> | undefined;

  before(async () => {
    requireKamailio();
    requireSipp();
    for (const f of [UAC, UAS]) assert.ok(existsSync(f), `the shipped sipp scenario ${f} is missing`);
    builtCli();
    dir = mkdtempSync(join(tmpdir(), "tl-up-"));
    pbxPort = await freePort();
    pbxLog = join(dir, "pbx-messages.log");
    // The trunk's PBX, reached by a host name (an /etc/hosts entry of this run).
    hosts = addHosts({ pbx: "127.0.100.20" });
    pbx = sipp(["-sf", UAS, "-i", "127.0.100.20", "-p", String(pbxPort), "-t", "t1", "-trace_msg", "-message_file", pbxLog]);
    up = await startUp(dir);
  });
  after(async () => {
    if (up) stopLeftovers(up);
    if (pbx) await stopChild(pbx.child, 2000);
    hosts?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it("wires the edge to the API with no variables: /readyz reports it in sync", async () => {
    const ready = await until("the API reporting the edge in sync", async () => {
      const body = await readyz(up);
      return body.checks.edges === "ok" ? body : undefined;
    }, up);
    assert.equal(ready.status, "ready");
    assert.ok(kamailioPid(up), "up logs the edge's Kamailio pid");
    assert.equal(statSync(join(dir, "data")).mode & 0o777, 0o700, "./data is created 0700");
  });

  it("carries a call provisioned through both APIs, with a name that resolves and one that does not", async () => {
    const v2 = async (path: string, body: unknown) => {
      const r = await fetch(`${up.base}/v2/accounts/exoteltest${path}`, { method: "POST", headers: { authorization: AUTH, "content-type": "application/json" }, body: JSON.stringify(body) });
      const json = (await r.json()) as { response: { data: { trunk_sid?: string } } };
      assert.equal(r.status, 200, JSON.stringify(json));
      return json.response.data;
    };
    // Exotel API: the called side — a trunk, its number, its PBX by host name.
    const office = (await v2("/trunks", { trunk_name: "up_office", nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com" })).trunk_sid as string;
    await v2(`/trunks/${office}/destination-uris`, { destinations: [{ destination: `${hosts?.names.pbx}:${pbxPort};transport=tcp` }] });
    await v2(`/trunks/${office}/phone-numbers`, { phone_number: "+919800100001", mode: "pstn" });
    // Carrier API: the calling side — admitted by source address; its outbound host does not resolve.
    const carrier = await fetch(`${up.base}/carrier/v1/sip_trunks`, {
      method: "POST",
      headers: { authorization: BEARER, "content-type": "application/vnd.api+json" },
      body: JSON.stringify({
        data: {
          type: "sip_trunk",
          attributes: { name: "up_callers", authentication_mode: "ip_address", region: "ap-south-1", inbound_source_ips: ["127.0.101.5"], outbound_host: unresolvable() },
        },
      }),
    });
    assert.equal(carrier.status, 201, await carrier.clone().text());

    // Every change reaches the running edge, and the unresolvable name does not put it out of sync.
    await until("the edge in sync after provisioning", async () => ((await readyz(up)).checks.edges === "ok" ? true : undefined), up);

    // The shipped scenario: INVITE from the carrier trunk's address, answered by the PBX, BYE 200.
    let last: Sipp | undefined;
    await until(
      "a call answered and hung up through the edge",
      async () => {
        last = sipp([up.sip, "-sf", UAC, "-i", "127.0.101.5", "-p", "0", "-s", "+919800100001", "-key", "caller", "+912233445566", "-m", "1", "-d", "500", "-t", "u1", "-timeout", "20s", "-timeout_error"]);
        return (await last.exited) === 0 ? true : undefined;
      },
      up,
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- sipp:\n${last?.output() ?? ""}`);
    });
    const received = readFileSync(pbxLog, "utf8");
    assert.match(received, /^INVITE sip:/m, "the PBX received the INVITE");
    assert.match(received, /^BYE sip:/m, "the PBX received the BYE through the edge");
  });

  it("SIGTERM stops Kamailio and the API: exit 0, no Kamailio left", async () => {
    const edge = edgeLine(up) as { kamailio_pid: number; config: string };
    assert.ok(alive(edge.kamailio_pid));
    up.child.kill("SIGTERM");
    assert.equal(await up.exited, 0, `${up.stderr()}\n${up.stdout().slice(-5000)}`);
    assert.equal(alive(edge.kamailio_pid), false, `Kamailio (pid ${edge.kamailio_pid}) still running after up exited`);
    assert.deepEqual(kamailioProcesses(edge.config), [], "no Kamailio worker left");
  });
});

describe("trunkline up without Kamailio installed", () => {
  let dir: string;
  let up: Awaited<ReturnType<typeof startUp>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tl-up-nokam-"));
    up = await startUp(dir, { TRUNKLINE_KAMAILIO_BIN: "/nonexistent/kamailio" });
  });
  after(() => {
    if (up && up.child.exitCode === null) up.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the API alone, says so in one line naming `trunkline setup`, and /readyz shows the edge absent", async () => {
    const ready = await until("the API answering /readyz", async () => readyz(up), up);
    assert.equal(ready.checks.edges, "absent");
    const trunks = await fetch(`${up.base}/v2/accounts/exoteltest/trunks`, { headers: { authorization: AUTH } });
    assert.equal(trunks.status, 200);
    const lines = up.stderr().split("\n").filter(Boolean);
    assert.equal(lines.length, 1, `exactly one line on stderr:\n${up.stderr()}`);
    assert.match(lines[0] as string, /trunkline setup/);
    assert.match(lines[0] as string, /apt-get install -y kamailio /);
    assert.match(lines[0] as string, /\/nonexistent\/kamailio/);
    up.child.kill("SIGTERM");
    assert.equal(await up.exited, 0, up.stdout().slice(-5000));
  });
});

describe("trunkline up with Kamailio but not its modules", () => {
  let dir: string;
  let up: Awaited<ReturnType<typeof startUp>>;
  before(async () => {
    requireKamailio();
    dir = mkdtempSync(join(tmpdir(), "tl-up-nomod-"));
    // A module directory holding only the TLS module: the store's and the extra modules' are missing.
    const modules = join(dir, "modules");
    mkdirSync(modules);
    symlinkSync(join(kamailioModulePath(), "tls.so"), join(modules, "tls.so"));
    up = await startUp(join(dir), { TRUNKLINE_KAMAILIO_MODULES: modules });
  });
  after(() => {
    if (up) stopLeftovers(up);
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the API alone and names the missing modules and `trunkline setup` in one line", async () => {
    const ready = await until("the API answering /readyz", async () => readyz(up), up);
    assert.equal(ready.checks.edges, "absent");
    const lines = up.stderr().split("\n").filter(Boolean);
    assert.equal(lines.length, 1, up.stderr());
    assert.match(lines[0] as string, /Kamailio modules not installed in .*: db_sqlite\.so, jsonrpcs\.so, /);
    assert.match(lines[0] as string, /trunkline setup/);
    up.child.kill("SIGTERM");
    assert.equal(await up.exited, 0, up.stdout().slice(-5000));
  });
});

describe("trunkline up when Kamailio dies", () => {
  let dir: string;
  let up: Awaited<ReturnType<typeof startUp>>;
  before(async () => {
    requireKamailio();
    dir = mkdtempSync(join(tmpdir(), "tl-up-die-"));
    up = await startUp(dir);
  });
  after(() => {
    if (up) stopLeftovers(up);
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports the edge's exit and exits non-zero (a supervisor restarts the whole platform)", async () => {
    const edge = await until("the edge running", async () => edgeLine(up), up);
    await until("the API answering", async () => ((await fetch(`${up.base}/healthz`)).ok ? true : undefined), up);
    assert.ok(kamailioProcesses(edge.config).length > 1, "Kamailio runs with workers");
    process.kill(edge.kamailio_pid, "SIGKILL");
    const code = await Promise.race([up.exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 60_000))]);
    assert.equal(code, 1, `${up.stderr()}\n${up.stdout().slice(-5000)}`);
    assert.match(up.stdout(), /the SIP edge \(kamailio\) exited unexpectedly \(SIGKILL\)/);
    assert.deepEqual(kamailioProcesses(edge.config), [], "no Kamailio worker left holding the SIP ports");
  });
});

describe("trunkline up when the API cannot start", () => {
  let dir: string;
  let busy: Server;
  before(async () => {
    requireKamailio();
    dir = mkdtempSync(join(tmpdir(), "tl-up-busy-"));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  });
  after(() => {
    busy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("its HTTP port taken: the edge already started is stopped, exit 1 naming the cause", async () => {
    const up = await startUp(dir, { PORT: String((busy.address() as AddressInfo).port) });
    try {
      const code = await Promise.race([up.exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 60_000))]);
      assert.equal(code, 1, `${up.stderr()}\n${up.stdout().slice(-5000)}`);
      assert.match(up.stderr(), /^error: .*EADDRINUSE/m);
      const edge = edgeLine(up);
      assert.ok(edge, "the edge had started");
      assert.deepEqual(kamailioProcesses(edge.config), [], "no Kamailio left");
    } finally {
      stopLeftovers(up);
    }
  });
});

describe("trunkline up stopped with Ctrl-C at a terminal", () => {
  let dir: string;
  let up: Awaited<ReturnType<typeof startUp>>;
  before(async () => {
    requireKamailio();
    dir = mkdtempSync(join(tmpdir(), "tl-up-int-"));
    // A process group of its own, as a shell gives a foreground job: Ctrl-C signals all of it.
    up = await startUp(dir, {}, true);
  });
  after(() => {
    if (up) stopLeftovers(up);
    rmSync(dir, { recursive: true, force: true });
  });

  it("SIGINT to the whole group (Kamailio too) is a clean stop: exit 0, no Kamailio left", async () => {
    const edge = await until("the edge running", async () => edgeLine(up), up);
    await until("the API answering", async () => ((await fetch(`${up.base}/healthz`)).ok ? true : undefined), up);
    process.kill(-(up.child.pid as number), "SIGINT");
    assert.equal(await up.exited, 0, `${up.stderr()}\n${up.stdout().slice(-5000)}`);
    assert.doesNotMatch(up.stdout(), /exited unexpectedly/);
    assert.deepEqual(kamailioProcesses(edge.config), []);
  });
});

describe("trunkline up with rtpengine installed", () => {
  let dir: string;
  let up: Awaited<ReturnType<typeof startUp>>;
  /** The line `up` logs once the media relay answers ng: rtpengine's pid and ng address. */
  const mediaLine = () => {
    const line = up.stdout().split("\n").find((l) => l.includes('"media relay running"'));
    return line ? (JSON.parse(line) as { rtpengine_pid: number; ng: string; interface: string }) : undefined;
  };
  before(async () => {
    requireKamailio();
    requireRtpengine();
    dir = mkdtempSync(join(tmpdir(), "tl-up-media-"));
    up = await startUp(dir);
  });
  after(() => {
    if (up) stopLeftovers(up);
    const pid = up && mediaLine()?.rtpengine_pid;
    if (pid && alive(pid)) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts rtpengine before Kamailio, hands the edge its ng address, and /readyz shows the relay up", async () => {
    const ready = await until("the API reporting the media relay up", async () => {
      const body = (await readyz(up)) as { checks: Record<string, string>; media_relays?: { ng_address: string; media_address: string; state: string }[] };
      return body.checks.media === "ok" && body.checks.edges === "ok" ? body : undefined;
    }, up);
    const media = mediaLine();
    assert.ok(media, "up logs the media relay's pid");
    assert.ok(alive(media.rtpengine_pid));
    assert.equal(media.interface, "127.0.100.1", "media on the edge's SIP address by default");
    assert.deepEqual(ready.media_relays?.map((r) => [r.ng_address, r.media_address, r.state]), [[media.ng, "127.0.100.1", "up"]]);
    const lines = up.stdout().split("\n");
    assert.ok(lines.findIndex((l) => l.includes('"media relay running"')) < lines.findIndex((l) => l.includes('"SIP edge running"')), "the relay runs before Kamailio starts");
    const config = readFileSync((edgeLine(up) as { config: string }).config, "utf8");
    assert.match(config, /^#!define WITH_MEDIA/m);
    assert.ok(config.includes(media.ng), `the edge's config names the relay ${media.ng}`);
    assert.match(readFileSync(`/proc/${media.rtpengine_pid}/cmdline`, "utf8"), /--table=-1/);
  });

  it("rtpengine dying stops the platform: exit 1 naming it, no Kamailio left", async () => {
    const media = mediaLine() as { rtpengine_pid: number };
    const edge = edgeLine(up) as { config: string };
    process.kill(media.rtpengine_pid, "SIGKILL");
    const code = await Promise.race([up.exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 60_000))]);
    assert.equal(code, 1, `${up.stderr()}\n${up.stdout().slice(-5000)}`);
    assert.match(up.stdout(), /the media relay \(rtpengine\) exited unexpectedly \(SIGKILL\)/);
    assert.deepEqual(kamailioProcesses(edge.config), [], "no Kamailio left");
  });
});

describe("trunkline up without rtpengine installed", () => {
  let dir: string;
  let up: Awaited<ReturnType<typeof startUp>>;
  before(async () => {
    requireKamailio();
    dir = mkdtempSync(join(tmpdir(), "tl-up-nortp-"));
    up = await startUp(dir, { TRUNKLINE_RTPENGINE_BIN: "/nonexistent/rtpengine" });
  });
  after(() => {
    if (up) stopLeftovers(up);
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the edge signalling-only, says so in one line naming `trunkline setup`; /readyz says nothing of media", async () => {
    const ready = await until("the edge in sync", async () => {
      const body = await readyz(up);
      return body.checks.edges === "ok" ? body : undefined;
    }, up);
    assert.equal(ready.checks.media, undefined);
    assert.equal((ready as { media_relays?: unknown }).media_relays, undefined);
    const lines = up.stderr().split("\n").filter(Boolean);
    assert.equal(lines.length, 1, `exactly one line on stderr:\n${up.stderr()}`);
    assert.match(lines[0] as string, /calls are signalling-only/);
    assert.match(lines[0] as string, /\/nonexistent\/rtpengine/);
    assert.match(lines[0] as string, /trunkline setup.*apt-get install -y .*rtpengine-daemon/);
    const config = readFileSync((edgeLine(up) as { config: string }).config, "utf8");
    assert.doesNotMatch(config, /^#!define WITH_MEDIA/m);
    up.child.kill("SIGTERM");
    assert.equal(await up.exited, 0, up.stdout().slice(-5000));
  });
});
