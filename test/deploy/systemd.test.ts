import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cliHelp } from "./cli.js";
import { read, ROOT } from "./repo.js";

/**
 * deploy/systemd: the units checked by systemd's own tools, offline (no unit is started here:
 * `systemd-analyze verify` parses and loads them with their drop-in; `systemd-analyze security
 * --offline` scores their sandbox), and their commands against the CLI.
 */

const DIR = join(ROOT, "deploy/systemd");
const DROP_IN = "trunkline-.service.d/hardening.conf";
const UNITS = { "trunkline-serve.service": "serve", "trunkline-edge.service": "edge", "trunkline-media.service": "media", "trunkline-up.service": "up" };

/** key → values (a key may repeat) of one section of a unit file. */
function section(text: string, name: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  let current = "";
  for (const line of text.split("\n")) {
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header) current = header[1] as string;
    else if (current === name && /^[A-Za-z]+=/.test(line)) {
      const [key, ...rest] = line.split("=");
      values.set(key as string, [...(values.get(key as string) ?? []), rest.join("=")]);
    }
  }
  return values;
}

function analyze(args: string[], cwd: string) {
  const run = spawnSync("systemd-analyze", args, { cwd, encoding: "utf8", timeout: 30_000 });
  if (run.error) assert.fail(`systemd-analyze is needed for these tests (Debian: apt-get install systemd): ${run.error.message}`);
  return run;
}

describe("deploy/systemd units (checked offline; none is started)", () => {
  let dir: string;
  before(() => {
    // A copy: `verify` also loads what it finds next to the units.
    dir = mkdtempSync(join(tmpdir(), "tl-units-"));
    cpSync(DIR, dir, { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("ships a unit for serve, edge, media and up, and the drop-in they share", () => {
    assert.deepEqual(readdirSync(DIR).sort(), [...Object.keys(UNITS), "trunkline-.service.d"].sort());
    assert.deepEqual(readdirSync(join(DIR, "trunkline-.service.d")), ["hardening.conf"]);
  });

  it("systemd-analyze verify loads every unit with its drop-in and reports nothing", () => {
    const run = analyze(["verify", ...Object.keys(UNITS).map((u) => join(dir, u))], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr.trim(), "", "no warning either");
  });

  it("verify does read the drop-in: a bad value there is reported (so the check above can fail)", () => {
    const bad = mkdtempSync(join(tmpdir(), "tl-units-bad-"));
    try {
      cpSync(DIR, bad, { recursive: true });
      writeFileSync(join(bad, DROP_IN), read(`deploy/systemd/${DROP_IN}`).replace("Restart=on-failure", "Restart=sometimes"));
      const run = analyze(["verify", join(bad, "trunkline-serve.service")], bad);
      assert.match(run.stderr, /hardening\.conf:\d+: Failed to parse service restart specifier, ignoring: sometimes/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it("each unit's sandbox scores at most 2.0 in systemd-analyze security (10 = unprotected)", () => {
    for (const unit of Object.keys(UNITS)) {
      const run = analyze(["security", "--offline=true", "--threshold=20", unit], dir);
      const score = /Overall exposure level for \S+: ([\d.]+)/.exec(run.stdout)?.[1];
      assert.equal(run.status, 0, `${unit}: exposure ${score}\n${run.stderr}`);
      assert.ok(score !== undefined && Number(score) <= 2, `${unit}: ${score}`);
    }
  });

  it("each unit runs the package's bin with its command (whose --help exits 0), and is restarted by systemd on failure, never by itself", async () => {
    const bin = (JSON.parse(read("package.json")) as { bin: { trunkline: string } }).bin.trunkline;
    for (const [unit, command] of Object.entries(UNITS)) {
      const service = section(read(`deploy/systemd/${unit}`), "Service");
      assert.deepEqual(service.get("ExecStart"), [`/usr/bin/node /opt/trunkline/${bin} ${command}`], unit);
      assert.deepEqual(service.get("Type"), ["exec"], unit);
      const help = await cliHelp([command]);
      assert.equal(help.code, 0, `${unit}: trunkline ${command} --help: ${help.output}`);
      const start = section(read(`deploy/systemd/${unit}`), "Unit");
      assert.deepEqual([start.get("StartLimitIntervalSec"), start.get("StartLimitBurst")], [["300"], ["5"]], `${unit}: a crash loop ends failed`);
    }
    const shared = section(read(`deploy/systemd/${DROP_IN}`), "Service");
    const expect: Record<string, string> = {
      Restart: "on-failure",
      KillMode: "mixed",
      User: "trunkline",
      StateDirectory: "trunkline",
      WorkingDirectory: "/var/lib/trunkline",
      NoNewPrivileges: "yes",
      ProtectSystem: "strict",
      CapabilityBoundingSet: "",
    };
    for (const [key, value] of Object.entries(expect)) assert.deepEqual(shared.get(key), [value], key);
    assert.equal(section(read("deploy/systemd/trunkline-up.service"), "Unit").get("Conflicts")?.[0], "trunkline-serve.service trunkline-edge.service trunkline-media.service");
  });
});
