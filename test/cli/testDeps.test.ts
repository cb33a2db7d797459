import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ROOT } from "./built.js";

const SCRIPT = join(ROOT, "scripts/test-deps.ts");
const MAIN = join(ROOT, "src/cli/main.ts");
const PLATFORM = "kamailio kamailio-sqlite-modules kamailio-postgres-modules kamailio-extra-modules kamailio-tls-modules rtpengine-daemon";

/**
 * npm's pretest (scripts/test-deps.ts) against stand-ins for dpkg-query and apt-get on PATH, so
 * no package is really installed: dpkg-query reports `missing` as not installed until apt-get
 * has run `install`; apt-get records its arguments.
 */
function fakeApt(dir: string, missing: string[]): void {
  chmodSync(dir, 0o755);
  writeFileSync(
    join(dir, "dpkg-query"),
    `#!/bin/bash\nshift 2\nfor p in "$@"; do\n  if [ ! -e ${dir}/installed ] && [[ " ${missing.join(" ")} " == *" $p "* ]]; then echo "$p unknown ok not-installed"; else echo "$p install ok installed"; fi\ndone\n`,
    { mode: 0o755 },
  );
  writeFileSync(join(dir, "apt-get"), `#!/bin/bash\necho "$*" >> ${dir}/apt.log\n[ "$1" = install ] && touch ${dir}/installed\nexit 0\n`, { mode: 0o755 });
}

function pretest(path: string, asUser?: number, script: string[] = [SCRIPT]) {
  const node = [process.execPath, "--import", "tsx", ...script];
  const cmd = asUser === undefined ? node : ["setpriv", `--reuid=${asUser}`, `--regid=${asUser}`, "--clear-groups", ...node];
  return spawnSync(cmd[0] as string, cmd.slice(1), { cwd: ROOT, env: { ...process.env, PATH: `${path}:${process.env.PATH}` }, encoding: "utf8", timeout: 120_000 });
}

describe("npm test installs what the suite needs (pretest)", () => {
  let dir: string;
  before(() => {
    assert.equal(process.getuid?.(), 0, "these tests switch users and run as root");
    dir = mkdtempSync(join(tmpdir(), "tl-pretest-"));
    chmodSync(dir, 0o755); // the unprivileged run reads the stand-ins in here
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("with everything installed: exits 0 without running apt-get", () => {
    const only = mkdtempSync(join(dir, "apt-only-"));
    fakeApt(only, []);
    rmSync(join(only, "dpkg-query")); // the real dpkg-query: this machine has the packages
    const run = pretest(only);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(existsSync(join(only, "apt.log")), false, "apt-get was run");
  });

  it("as root with packages missing: apt-get update, then installs exactly those", () => {
    const shims = mkdtempSync(join(dir, "root-"));
    fakeApt(shims, ["kamailio-tls-modules", "sip-tester"]);
    const run = pretest(shims);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readFileSync(join(shims, "apt.log"), "utf8").trim().split("\n"), ["update -qq", "install -y -qq kamailio-tls-modules sip-tester"]);
  });

  it("not root: fails naming the exact command, installs nothing", () => {
    const shims = mkdtempSync(join(dir, "user-"));
    fakeApt(shims, ["rtpengine-daemon", "baresip-core"]);
    const run = pretest(shims, 65534);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /not installed: rtpengine-daemon baresip-core/);
    assert.match(run.stderr, /sudo apt-get update && sudo apt-get install -y rtpengine-daemon baresip-core/);
    assert.equal(existsSync(join(shims, "apt.log")), false);
  });
});

describe("trunkline setup installs the edge's and media relay's packages", () => {
  let dir: string;
  before(() => {
    assert.equal(process.getuid?.(), 0, "these tests switch users and run as root");
    dir = mkdtempSync(join(tmpdir(), "tl-setup-"));
    chmodSync(dir, 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("as root: apt-get update, then apt-get install of the shared list", () => {
    const shims = mkdtempSync(join(dir, "root-"));
    fakeApt(shims, []);
    const run = pretest(shims, undefined, [MAIN, "setup"]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readFileSync(join(shims, "apt.log"), "utf8").trim().split("\n"), ["--version", "update", `install -y ${PLATFORM}`]);
  });

  it("not root: prints the exact commands with sudo, exits 1, runs no install", () => {
    const shims = mkdtempSync(join(dir, "user-"));
    fakeApt(shims, []);
    const run = pretest(shims, 65534, [MAIN, "setup"]);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stdout, `sudo apt-get update\nsudo apt-get install -y ${PLATFORM}\n`);
    assert.match(run.stderr, /not root/);
  });
});
