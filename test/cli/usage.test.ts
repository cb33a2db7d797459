import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ENGINES, openStoreFixture } from "../helpers/stores.js";
import { builtCli, ROOT } from "./built.js";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

/** The built CLI (what `npx trunkline` runs) in a working directory of its own, with only the given settings. */
function cli(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(TRUNKLINE_|DATABASE_URL$|REDIS_URL$|PORT$)/.test(k)) clean[k] = v;
  // A command that wrongly started a server would hit the timeout: status null.
  return spawnSync(process.execPath, [builtCli(), ...args], { cwd, env: { ...clean, ...env }, encoding: "utf8", timeout: 60_000 });
}

describe("trunkline CLI usage: help, version, usage errors", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "tl-usage-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("--version prints the package version", () => {
    const run = cli(dir, {}, "--version");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), VERSION);
  });

  it("--help on every command and subcommand prints its usage, exits 0 and runs nothing", () => {
    const commands = [[], ["up"], ["serve"], ["edge"], ["check"], ["migrate"], ["accounts"], ["accounts", "create"], ["accounts", "list"], ["accounts", "rotate-token"], ["seed"], ["setup"]];
    for (const command of commands) {
      const run = cli(dir, { DATABASE_URL: join(dir, "must-not-exist", "x.db") }, ...command, "--help");
      assert.equal(run.status, 0, `${command.join(" ")} --help: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^Usage: trunkline${command.length ? " " + command.join(" ") : ""} `), command.join(" "));
      assert.match(run.stdout, /-h, --help/);
    }
    assert.equal(existsSync(join(dir, "must-not-exist")), false);
    assert.equal(existsSync(join(dir, "data")), false, "--help creates no ./data");
    const edge = cli(dir, {}, "edge", "--help");
    for (const flag of ["--print", "--listen", "--tls-listen", "--rpc", "--children", "--realm", "--shm"]) assert.match(edge.stdout, new RegExp(flag));
    const check = cli(dir, {}, "check", "--help");
    for (const flag of ["<trunk>", "--call", "--json", "--rpc", "--from"]) assert.match(check.stdout, new RegExp(flag));
    const bare = cli(dir, {});
    assert.equal(bare.status, 0);
    assert.match(bare.stdout, /^Usage: trunkline /);
    assert.match(bare.stdout, /Exit codes/);
  });

  it("unknown commands and options, missing arguments and bad values exit 2 naming the culprit", () => {
    const cases: [string[], RegExp][] = [
      [["serve", "--bogus"], /unknown option '--bogus'/],
      [["edge", "--nope"], /unknown option '--nope'/],
      [["frobnicate"], /unknown command 'frobnicate'/],
      [["check"], /missing required argument 'trunk'/],
      [["accounts", "create"], /required option '--sid <sid>' not specified/],
      [["accounts", "rotate-token"], /required option '--sid <sid>' not specified/],
      [["accounts", "create", "--sid"], /option '--sid <sid>' argument missing/],
      [["seed"], /required option '--trunks <n>' not specified/],
      [["seed", "--trunks", "many"], /option '--trunks <n>' argument 'many' is invalid/],
      [["serve", "--port", "80x"], /option '--port <n>' argument '80x' is invalid/],
      [["up", "--port", "70000"], /option '--port <n>' argument '70000' is invalid/],
      [["edge", "--listen", "127.0.0.1"], /option '--listen <ip:port>' argument '127.0.0.1' is invalid/],
      [["migrate", "extra"], /too many arguments/],
    ];
    for (const [args, message] of cases) {
      const run = cli(dir, {}, ...args);
      assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(" "));
      assert.match(run.stderr, /--help/, "points at --help");
    }
  });

  it("setup --dry-run prints the apt commands for the edge and media relay packages", () => {
    const run = cli(dir, {}, "setup", "--dry-run");
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split("\n");
    assert.match(lines[0] as string, /^(sudo )?apt-get update$/);
    assert.match(lines[1] as string, /^(sudo )?apt-get install -y kamailio kamailio-sqlite-modules kamailio-postgres-modules kamailio-extra-modules kamailio-tls-modules rtpengine-daemon$/);
  });
});

describe("DATABASE_URL mistakes are reported as such", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "tl-dburl-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("an unreachable PostgreSQL names DATABASE_URL and the failure, with the password masked", () => {
    const run = cli(dir, { DATABASE_URL: "postgres://trunk:s3cret-pw@127.0.0.1:1/x" }, "migrate");
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^error: DATABASE_URL=postgres:\/\/trunk:\*\*\*@127\.0\.0\.1:1\/x: cannot connect to PostgreSQL: .*ECONNREFUSED 127\.0\.0\.1:1/m);
    assert.doesNotMatch(run.stderr, /s3cret-pw/);
  });

  it("a PostgreSQL database that does not exist is named", async () => {
    const fixture = await openStoreFixture("postgres");
    try {
      const url = fixture.databaseUrl.replace(/\/[^/]*$/, "/trunkline_no_such_db");
      const run = cli(dir, { DATABASE_URL: url }, "accounts", "list");
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /DATABASE_URL=postgres:\/\/.*\/trunkline_no_such_db: cannot connect to PostgreSQL: .*database "trunkline_no_such_db" does not exist/);
    } finally {
      await fixture.dispose();
    }
  });

  it("an SQLite path in a directory that does not exist is refused, not created", () => {
    for (const command of [["migrate"], ["accounts", "list"], ["up"], ["serve"], ["edge"], ["seed", "--trunks", "1"]]) {
      const run = cli(dir, { DATABASE_URL: "./no/such/dir/x.db", TRUNKLINE_KAMAILIO_BIN: "/nonexistent" }, ...command);
      assert.equal(run.status, 1, `${command.join(" ")}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /error: DATABASE_URL=\.\/no\/such\/dir\/x\.db: directory \.\/no\/such\/dir does not exist/, command.join(" "));
      assert.equal(existsSync(join(dir, "no")), false, `${command.join(" ")} created the directory`);
    }
  });

  it("the default ./data is created, mode 0700", () => {
    const run = cli(dir, {}, "migrate");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(statSync(join(dir, "data")).mode & 0o777, 0o700);
    assert.ok(existsSync(join(dir, "data", "trunkline.db")));
  });

  for (const engine of ENGINES) {
    it(`a reachable store works (${engine})`, async () => {
      const fixture = await openStoreFixture(engine);
      try {
        const env = { DATABASE_URL: fixture.databaseUrl, ...(fixture.pgSchema ? { TRUNKLINE_PG_SCHEMA: fixture.pgSchema } : {}), TRUNKLINE_SECRET_KEY_FILE: join(dir, `${engine}.key`) };
        const migrated = cli(dir, env, "migrate");
        assert.equal(migrated.status, 0, migrated.stderr);
        assert.match(migrated.stdout, /applied: /);
        const made = cli(dir, env, "accounts", "create", "--sid", "dburl_ok", "--json");
        assert.equal(made.status, 0, made.stderr);
        assert.match(cli(dir, env, "accounts", "list").stdout, /^dburl_ok\t/m);
      } finally {
        await fixture.dispose();
      }
    });
  }
});
