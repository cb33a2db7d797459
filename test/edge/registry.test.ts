import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { kamailioModulePath } from "../../src/edge/config.js";
import { syncCountryRules } from "../../src/edge/countries.js";
import { requireKamailio } from "../../src/edge/process.js";
import { requireTlsModule } from "../../src/edge/tls.js";
import { freePort, stopChild } from "../helpers/process.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { ENGINES } from "../helpers/stores.js";
import { expectCall } from "./assertions.js";
import { Provision } from "./provision.js";
import { call, removeSippFiles, requireSipp, startUas, type Uas } from "./sipp.js";
import { until } from "../helpers/wait.js";

const MAIN = join(import.meta.dirname, "../../src/cli/main.ts");

interface ReadyEdge {
  url: string;
  region: string | null;
  sip_address: string | null;
  state: string;
  last_heartbeat: string | null;
  configured: boolean;
}
interface Ready {
  status: string;
  checks: Record<string, string>;
  edges: ReadyEdge[];
}


/**
 * Issue 10's "a second edge started with `trunkline edge` against the same store is picked up and
 * kept in sync without restarting the API; stopping it shows it down on /readyz": an API server
 * running WITHOUT TRUNKLINE_EDGE_RPC_URLS, then `trunkline edge` as a process on the same store.
 */
for (const engine of ENGINES) {
  describe(`an edge registers itself and the running API keeps it in step [${engine}]`, () => {
    let server: TestServer;
    let pbx: Uas;
    let dir: string;
    let edge: { child: ChildProcess; output: () => string } | undefined;
    let sip: string;
    let rpcUrl: string;
    const ready = async () => {
      const r = await fetch(`${server.baseUrl}/readyz`);
      assert.equal(r.status, 200, "edges absent, in step or down: the API stays ready");
      return (await r.json()) as Ready;
    };
    const metrics = async () => (await fetch(`${server.baseUrl}/metrics`)).text();

    before(async () => {
      requireKamailio();
      requireTlsModule(kamailioModulePath());
      requireSipp();
      dir = mkdtempSync(join(tmpdir(), "tl-edge-registry-"));
      server = await startServer(engine);
      await syncCountryRules(server.runtime.store);
      pbx = await startUas(engine === "sqlite" ? "127.0.110.200" : "127.0.112.200", await freePort());
    });
    after(async () => {
      if (edge) await stopChild(edge.child, 15000);
      await pbx?.stop();
      await server?.close();
      removeSippFiles();
      rmSync(dir, { recursive: true, force: true });
    });

    it("with no edge registered or configured, /readyz says the edges are absent", async () => {
      const body = await ready();
      assert.deepEqual({ status: body.status, edges: body.checks.edges, list: body.edges }, { status: "ready", edges: "absent", list: [] });
    });

    it("`trunkline edge` registers itself; the API finds it, reconciles it, and a number mapped afterwards is routed by it", async () => {
      const address = engine === "sqlite" ? "127.0.110.1" : "127.0.112.1";
      const sipPort = await freePort();
      const rpcPort = await freePort();
      sip = `${address}:${sipPort}`;
      rpcUrl = `http://127.0.0.1:${rpcPort}/RPC`;
      const config = server.runtime.config;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATABASE_URL: config.databaseUrl,
        ...(server.runtime.store.engine === "postgres" ? { TRUNKLINE_PG_SCHEMA: server.runtime.store.pgSchema } : {}),
        TRUNKLINE_SECRET_KEY: config.secretKey,
        TRUNKLINE_EDGE_LISTEN: sip,
        TRUNKLINE_EDGE_TLS_LISTEN: `${address}:${await freePort()}`,
        TRUNKLINE_EDGE_TLS_DIR: join(dir, "edge-tls"),
        TRUNKLINE_EDGE_RPC: `127.0.0.1:${rpcPort}`,
        TRUNKLINE_EDGE_CHILDREN: "2",
        TRUNKLINE_EDGE_REGION: "us-east-1",
        TRUNKLINE_EDGE_HEARTBEAT_SECONDS: "1",
      };
      delete env.TRUNKLINE_EDGE_RPC_URLS;
      const child = spawn(process.execPath, ["--import", "tsx", MAIN, "edge"], { env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20000));
      child.stdout?.on("data", keep);
      child.stderr?.on("data", keep);
      edge = { child, output: () => output };

      const found = await until(
        "the API reporting the registered edge in sync",
        async () => {
          const body = await ready();
          return body.checks.edges === "ok" ? body : undefined;
        },
        60000,
        () => `--- edge:\n${output.slice(-4000)}`,
      );
      assert.equal(found.edges.length, 1);
      const [listed] = found.edges;
      assert.deepEqual({ ...listed, last_heartbeat: undefined }, { url: rpcUrl, region: "us-east-1", sip_address: sip, state: "in_sync", last_heartbeat: undefined, configured: false });
      assert.match(listed!.last_heartbeat ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      const text = await metrics();
      const label = `edge="${rpcUrl}"`;
      assert.match(text, new RegExp(`^trunkline_edge_up\\{${label}\\} 1$`, "m"));
      assert.match(text, new RegExp(`^trunkline_edge_in_sync\\{${label}\\} 1$`, "m"));
      assert.match(text, new RegExp(`^trunkline_edge_info\\{${label},region="us-east-1",sip="${sip}"\\} 1$`, "m"));
      assert.match(text, new RegExp(`^trunkline_edge_banned_addresses\\{${label}\\} 0$`, "m"));
      assert.match(text, new RegExp(`^trunkline_edge_heartbeat_age_seconds\\{${label}\\} \\d+$`, "m"));

      // Provisioned after the edge registered: only the reloader can have told it.
      const p = new Provision(server.demo);
      const callers = await p.trunk("reg_callers");
      const caller = engine === "sqlite" ? "127.0.111.5" : "127.0.113.5";
      await p.allow(callers, caller, 32);
      const office = await p.trunk("reg_office");
      await p.destinations(office, [{ destination: `${pbx.address};transport=tcp` }]);
      const number = engine === "sqlite" ? "+919800001101" : "+919800001102";
      await p.map(office, number);
      await server.runtime.edge?.settled();
      expectCall(await call({ edge: sip, from: caller, number }, { expect: 200 }), `a call to ${number}, mapped after the edge registered`);
      assert.equal(pbx.invites().length, 1);
    });

    it("stopping the edge shows it down on /readyz and /metrics (still listed, the API still ready)", async () => {
      assert.ok(edge, "the edge runs");
      await stopChild(edge.child, 15000);
      assert.equal(edge.child.exitCode, 0, `trunkline edge exits 0 on SIGTERM:\n${edge.output().slice(-3000)}`);
      const body = await until("the edge shown down", async () => {
        const b = await ready();
        return b.edges[0]?.state === "down" ? b : undefined;
      });
      assert.deepEqual({ status: body.status, edges: body.checks.edges }, { status: "ready", edges: "degraded" });
      assert.deepEqual(
        body.edges.map((e) => [e.url, e.region, e.state]),
        [[rpcUrl, "us-east-1", "down"]],
      );
      const text = await metrics();
      assert.match(text, new RegExp(`^trunkline_edge_up\\{edge="${rpcUrl}"\\} 0$`, "m"));
      assert.match(text, new RegExp(`^trunkline_edge_in_sync\\{edge="${rpcUrl}"\\} 0$`, "m"));
    });
  });
}
