import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { requireRtpengine } from "../../src/media/process.js";
import { listMediaRelays } from "../../src/media/registry.js";
import { freePort, stopChild } from "../helpers/process.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { ENGINES } from "../helpers/stores.js";
import { until } from "../helpers/wait.js";
import { alive } from "./pid.js";
import { builtCli } from "../cli/built.js";

/**
 * `trunkline media` as an operator runs it (the built bin) on a relay host, next to an API process on the same
 * store: it registers, /readyz and /metrics show it, rtpengine dying makes media degraded, a
 * restart recovers by itself, SIGTERM deregisters. Addresses 127.0.150.x, ports 30300-30599.
 */


interface MediaProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): MediaProcess {
  const child = spawn(process.execPath, [builtCli(), ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-50_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The JSON line `trunkline media` logs once rtpengine runs and is registered. */
function runningLine(p: MediaProcess): { rtpengine_pid: number; ng: string } | undefined {
  const line = p.output().split("\n").find((l) => l.includes('"media relay running"'));
  return line ? (JSON.parse(line) as { rtpengine_pid: number; ng: string }) : undefined;
}

interface Readyz {
  checks: Record<string, string>;
  media_relays: { ng_address: string; media_address: string; state: string; sessions: number | null; last_heartbeat: string; last_error?: string }[];
}

const BASE_ENV = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(TRUNKLINE_|DATABASE_URL$)/.test(k)) env[k] = v;
  return env;
};

ENGINES.forEach((engine, index) => {
  describe(`trunkline media [${engine}]`, () => {
    const host = `127.0.150.${20 + index}`;
    const ports = `${30300 + index * 100}-${30399 + index * 100}`;
    let server: TestServer;
    let env: NodeJS.ProcessEnv;
    let ngAddress: string;
    let current: MediaProcess | undefined;

    const readyz = async () => (await (await fetch(`${server.baseUrl}/readyz`)).json()) as Readyz;
    const relayIn = async (state: string) => {
      const body = await readyz();
      const relay = body.media_relays.find((r) => r.ng_address === ngAddress);
      return relay?.state === state ? { body, relay } : undefined;
    };
    const metric = async (name: string) => {
      const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
      const m = new RegExp(`^${name}\\{relay="${ngAddress.replace(/\./g, "\\.")}"\\} (\\d+)$`, "m").exec(text);
      return m ? Number(m[1]) : undefined;
    };
    const start = async () => {
      const p = runCli(["media", "--ng-listen", ngAddress, "--interface", host, "--ports", ports], env);
      current = p;
      await until("trunkline media running", () => runningLine(p) ?? (p.child.exitCode !== null ? Promise.reject(new Error(`exited ${p.child.exitCode}`)) : undefined), 60_000, p.output);
      return p;
    };

    before(async () => {
      requireRtpengine();
      server = await startServer(engine);
      ngAddress = `${host}:${await freePort()}`;
      const store = server.runtime.config;
      env = { ...BASE_ENV(), DATABASE_URL: store.databaseUrl, TRUNKLINE_MEDIA_HEARTBEAT_SECONDS: "1", ...(engine === "postgres" ? { TRUNKLINE_PG_SCHEMA: server.runtime.store.pgSchema ?? "" } : {}) };
    });
    after(async () => {
      if (current) {
        const pid = runningLine(current)?.rtpengine_pid;
        await stopChild(current.child);
        if (pid && alive(pid)) process.kill(pid, "SIGKILL");
      }
      await server?.close();
    });

    it("registers: /readyz lists the relay up with its addresses and sessions, media ok; /metrics says up", async () => {
      const p = await start();
      const { body, relay } = await until("the relay up in /readyz", () => relayIn("up"), 20_000, p.output);
      assert.equal(body.checks.media, "ok");
      assert.equal(relay.media_address, host);
      assert.equal(relay.sessions, 0);
      assert.match(relay.last_heartbeat, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(await metric("trunkline_media_relay_up"), 1);
      assert.equal(await metric("trunkline_media_relay_sessions"), 0);
      assert.equal(await metric("trunkline_media_relay_packets_total"), 0);
      const rows = await listMediaRelays(server.runtime.store);
      assert.deepEqual(
        rows.map((r) => [r.ngAddress, r.mediaAddress, r.live, r.stoppedAt]),
        [[ngAddress, host, true, null]],
      );
    });

    it("rtpengine killed: trunkline media exits 1, /readyz says media degraded (relay down), /metrics 0", async () => {
      const p = current!;
      const { rtpengine_pid } = runningLine(p)!;
      process.kill(rtpengine_pid, "SIGKILL");
      assert.equal(await p.exited, 1, p.output());
      assert.match(p.output(), /rtpengine exited unexpectedly \(SIGKILL\)/);
      const { body, relay } = await until("the relay down in /readyz", () => relayIn("down"), 20_000);
      assert.equal(body.checks.media, "degraded");
      assert.match(relay.last_error ?? "", /did not answer 'statistics'/);
      assert.equal(relay.sessions, null);
      assert.equal(await metric("trunkline_media_relay_up"), 0);
      assert.equal(await metric("trunkline_media_relay_sessions"), undefined);
      assert.equal((await fetch(`${server.baseUrl}/readyz`)).status, 200, "the API stays ready");
    });

    it("restarted on the same address: /readyz recovers by itself (no API restart)", async () => {
      const p = await start();
      const { body } = await until("the relay up again in /readyz", () => relayIn("up"), 20_000, p.output);
      assert.equal(body.checks.media, "ok");
      assert.equal(body.media_relays.length, 1, "one row per ng address: the restart took the old one over");
    });

    it("SIGTERM: exit 0, rtpengine stopped, the relay marked stopped (listed, media not degraded)", async () => {
      const p = current!;
      const { rtpengine_pid } = runningLine(p)!;
      p.child.kill("SIGTERM");
      assert.equal(await p.exited, 0, p.output());
      assert.equal(alive(rtpengine_pid), false);
      assert.match(p.output(), /media relay marked stopped in the store/);
      const { body } = await until("the relay stopped in /readyz", () => relayIn("stopped"), 20_000);
      assert.equal(body.checks.media, "ok");
      assert.equal(await metric("trunkline_media_relay_up"), undefined, "a cleanly stopped relay is left out of /metrics");
      const [row] = await listMediaRelays(server.runtime.store);
      assert.equal(row?.live, false);
      assert.ok(row?.stoppedAt);
    });
  });
});

describe("trunkline media: bad settings", () => {
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [builtCli(), "media", ...args], { env: { ...BASE_ENV(), DATABASE_URL: "/nonexistent-dir/x.db", ...extra }, encoding: "utf8" });

  it("--help describes it; a bad flag value is a usage error (2) naming the flag; a bad variable fails (1) naming it; nothing is started", () => {
    const help = cli(["--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--ng-listen <ip:port>/);
    assert.match(help.stdout, /TRUNKLINE_MEDIA_NG/);
    const flag = cli(["--ports", "5-6"]);
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /option '--ports <low-high>' argument '5-6' is invalid\. must be LOW-HIGH/);
    const variable = cli([], { TRUNKLINE_MEDIA_INTERFACE: "eth0" });
    assert.equal(variable.status, 1);
    assert.match(variable.stderr, /TRUNKLINE_MEDIA_INTERFACE must be an IP address, got 'eth0'/);
  });
});
