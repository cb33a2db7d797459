import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../helpers/process.js";

const MAIN = join(import.meta.dirname, "../../src/cli/main.ts");

describe("trunkline CLI and server process", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tl-cli-"));
    env = { ...process.env, DATABASE_URL: join(dir, "db.sqlite"), TRUNKLINE_SECRET_KEY_FILE: join(dir, "secret.key"), LOG_LEVEL: "warn" };
    delete env.TRUNKLINE_SECRET_KEY;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { env, encoding: "utf8" });

  it("creates, lists and rotates accounts; prints random credentials of 20+ chars", () => {
    const made = cli("accounts", "create", "--sid", "cli_acct", "--json");
    assert.equal(made.status, 0, made.stderr);
    const issued = JSON.parse(made.stdout) as { sid: string; api_key: string; api_token: string };
    assert.equal(issued.sid, "cli_acct");
    assert.ok(issued.api_key.length >= 20 && issued.api_token.length >= 20);
    const fixed = cli("accounts", "create", "--sid", "cli_fixed", "--api-key", "fixedkey123", "--api-token", "fixedtoken1234567890");
    assert.equal(fixed.status, 0, fixed.stderr);
    assert.match(fixed.stdout, /api_token: fixedtoken1234567890/);
    const list = cli("accounts", "list");
    assert.match(list.stdout, /^cli_acct\t/m);
    assert.match(list.stdout, /^cli_fixed\tfixedkey123\t/m);
    const rotated = cli("accounts", "rotate-token", "--sid", "cli_acct", "--json");
    const next = JSON.parse(rotated.stdout) as { api_token: string };
    assert.notEqual(next.api_token, issued.api_token);
    const dup = cli("accounts", "create", "--sid", "cli_acct");
    assert.equal(dup.status, 1);
    assert.match(dup.stderr, /already exists/);
    assert.equal(cli("accounts", "rotate-token", "--sid", "nobody").status, 1);
  });

  it("creates the secret key file with mode 0600 on first use", () => {
    assert.equal(statSync(join(dir, "secret.key")).mode & 0o777, 0o600);
  });

  it("serves the demo account, answers health checks, and the CLI works while it runs; SIGTERM exits 0", async () => {
    const port = await freePort();
    const server = spawn(process.execPath, ["--import", "tsx", MAIN, "serve", "--demo"], { env: { ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    server.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 100; i++) {
        const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: "ok" });
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: "ready", checks: { store: "ok", rate_limiter: "ok", edges: "absent" }, edges: [] });
      const auth = "Basic " + Buffer.from("exoteltest:a1b2c3d4e5f6g7h8i9j0").toString("base64");
      const trunks = await fetch(`${base}/v2/accounts/exoteltest/trunks`, { headers: { authorization: auth } });
      assert.equal(trunks.status, 200);
      // Another process on the same database while the server runs.
      const made = cli("accounts", "create", "--sid", "while_running", "--json");
      assert.equal(made.status, 0, made.stderr);
      const { api_key, api_token } = JSON.parse(made.stdout) as { api_key: string; api_token: string };
      const theirs = await fetch(`${base}/v2/accounts/while_running/trunks`, { headers: { authorization: "Basic " + Buffer.from(`${api_key}:${api_token}`).toString("base64") } });
      assert.equal(theirs.status, 200);
      const openapi = await fetch(`${base}/openapi.json`);
      assert.equal(openapi.status, 200);
      assert.ok(((await openapi.json()) as { paths: Record<string, unknown> }).paths["/v2/accounts/{account_sid}/trunks"]);
    } finally {
      const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));
      server.kill("SIGTERM");
      assert.equal(await exited, 0, stderr);
    }
  });

  it("migrate applies migrations and is idempotent", () => {
    const first = cli("migrate");
    assert.equal(first.status, 0, first.stderr);
    const again = cli("migrate");
    assert.match(again.stdout, /up to date/);
  });
});
