import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { requireKamailio } from "../../src/edge/process.js";
import { freePort } from "../helpers/process.js";
import { expectCall } from "../edge/assertions.js";
import { call, removeSippFiles, requireSipp, startUas, type Uas } from "../edge/sipp.js";
import { until } from "../helpers/wait.js";

const MAIN = join(import.meta.dirname, "../../src/cli/main.ts");
const AUTH = "Basic " + Buffer.from("exoteltest:a1b2c3d4e5f6g7h8i9j0").toString("base64");

/** Runs a CLI command in the background, keeping its output for assertion messages. */
function run(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, output: () => output };
}


/** The README's edge section, as written: `trunkline edge` and `trunkline serve` on one store. */
describe("trunkline edge and serve, as the README runs them", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let base: string;
  let edge: ReturnType<typeof run>;
  let api: ReturnType<typeof run>;
  let pbx: Uas;
  const edgeAddress = "127.0.60.1";

  before(async () => {
    requireKamailio();
    requireSipp();
    dir = mkdtempSync(join(tmpdir(), "tl-edge-cli-"));
    const [sipPort, rpcPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      ...process.env,
      DATABASE_URL: join(dir, "db.sqlite"),
      TRUNKLINE_SECRET_KEY_FILE: join(dir, "secret.key"),
      TRUNKLINE_EDGE_LISTEN: `${edgeAddress}:${sipPort}`,
      TRUNKLINE_EDGE_TLS_LISTEN: `${edgeAddress}:${await freePort()}`,
      TRUNKLINE_EDGE_TLS_DIR: join(dir, "edge-tls"),
      TRUNKLINE_EDGE_RPC: `127.0.0.1:${rpcPort}`,
      TRUNKLINE_EDGE_CHILDREN: "2",
      TRUNKLINE_EDGE_RPC_URLS: `http://127.0.0.1:${rpcPort}/RPC`,
      PORT: String(httpPort),
      LOG_LEVEL: "warn",
    };
    delete env.TRUNKLINE_SECRET_KEY;
    base = `http://127.0.0.1:${httpPort}`;
    pbx = await startUas("127.0.60.200", await freePort());
    edge = run(["edge"], env);
    api = run(["serve", "--demo"], env);
  });
  after(async () => {
    for (const p of [api, edge]) if (p && p.child.exitCode === null) p.child.kill("SIGKILL");
    await pbx?.stop();
    removeSippFiles();
    rmSync(dir, { recursive: true, force: true });
  });

  it("--print renders the Kamailio config for the store and addresses", () => {
    const printed = spawnSync(process.execPath, ["--import", "tsx", MAIN, "edge", "--print"], { env, encoding: "utf8" });
    assert.equal(printed.status, 0, printed.stderr);
    assert.match(printed.stdout, /^#!KAMAILIO/);
    assert.match(printed.stdout, new RegExp(`listen=udp:${edgeAddress.replace(/\./g, "\\.")}:\\d+`));
    assert.match(printed.stdout, /db_sqlite\.so/);
  });

  it("the API keeps the edge in step and a provisioned call goes through; SIGTERM stops both with 0", async () => {
    const ready = await until("the API reporting the edge in sync", async () => {
      const r = await fetch(`${base}/readyz`);
      const body = (await r.json()) as { checks: { edges?: string } };
      return body.checks.edges === "ok" ? body : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- edge:\n${edge.output()}\n--- serve:\n${api.output()}`);
    });
    assert.deepEqual((ready as { checks: unknown }).checks, { store: "ok", rate_limiter: "ok", edges: "ok" });

    const v2 = async (path: string, body: unknown) => {
      const r = await fetch(`${base}/v2/accounts/exoteltest${path}`, { method: "POST", headers: { authorization: AUTH, "content-type": "application/json" }, body: JSON.stringify(body) });
      const json = (await r.json()) as { response: { data: { trunk_sid?: string } } };
      assert.equal(r.status, 200, JSON.stringify(json));
      return json.response.data;
    };
    const trunk = async (name: string) => (await v2("/trunks", { trunk_name: name, nso_code: "ANY-ANY", domain_name: "exoteltest.pstn.exotel.com" })).trunk_sid as string;
    const callers = await trunk("callers");
    await v2(`/trunks/${callers}/whitelisted-ips`, { ip: "127.0.61.0", mask: 24 });
    const office = await trunk("office");
    await v2(`/trunks/${office}/destination-uris`, { destinations: [{ destination: `${pbx.address};transport=tcp` }] });
    await v2(`/trunks/${office}/phone-numbers`, { phone_number: "+919800000601", mode: "pstn" });

    // The change reaches the running edge with no restart.
    await until("the call to the new number being relayed", async () => {
      const result = await call({ edge: env.TRUNKLINE_EDGE_LISTEN as string, from: "127.0.61.5", number: "+919800000601" }, { expect: 200 });
      return result.ok ? result : undefined;
    });
    expectCall(await call({ edge: env.TRUNKLINE_EDGE_LISTEN as string, from: "127.0.62.5", number: "+919800000601" }, { expect: 407 }), "a source in no ACL is challenged");
    assert.ok(pbx.invites().length >= 1);

    for (const [name, p] of [["serve", api], ["edge", edge]] as const) {
      const exited = new Promise<number | null>((resolve) => p.child.on("exit", (code) => resolve(code)));
      p.child.kill("SIGTERM");
      assert.equal(await exited, 0, `${name}:\n${p.output()}`);
    }
  });
});
