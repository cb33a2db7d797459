import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { freePort } from "../helpers/process.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { builtCli } from "./built.js";

/** The resource commands as users run them: the built bin, a process per command (a few runs). */
describe("trunkline resource commands, built bin", () => {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    server = await startServer("sqlite");
    const issued = await server.runtime.services.accounts.create({ sid: "builtacct" });
    env = { ...process.env, TRUNKLINE_URL: server.baseUrl, TRUNKLINE_ACCOUNT: "builtacct", TRUNKLINE_API_KEY: issued.apiKey, TRUNKLINE_API_TOKEN: issued.apiToken };
  });
  after(() => server.close());

  /** Asynchronous: the server answering it runs in this process. */
  const cli = (...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [builtCli(), ...args], { env, encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it("server mode from the environment: create, then list as JSON", async () => {
    const made = await cli("trunks", "create", "--name", "built_1");
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /^trunk_name: built_1$/m);
    const list = await cli("trunks", "list", "--json");
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { trunk_name: string }[]).map((t) => t.trunk_name), ["built_1"]);
  });

  it("exit 2 for an unknown flag, 1 with one line naming the URL for a server that is not there", async () => {
    const usage = await cli("trunks", "list", "--bogus");
    assert.equal(usage.status, 2);
    assert.equal(usage.stderr, "error: unknown option '--bogus'\n(run with --help for usage)\n");
    const port = await freePort();
    const down = await cli("numbers", "list", "trabc", "--url", `http://127.0.0.1:${port}`);
    assert.equal(down.status, 1);
    assert.equal(down.stderr, `error: cannot reach the server at http://127.0.0.1:${port}: ECONNREFUSED\n`);
    assert.equal(down.stdout, "");
  });
});
