import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { edgeOptions, kamailioModulePath, type EdgeOptions } from "../../src/edge/config.js";
import { syncCountryRules } from "../../src/edge/countries.js";
import { requireKamailio, startKamailio, type EdgeProcess } from "../../src/edge/process.js";
import { EdgeRpc } from "../../src/edge/rpc.js";
import { requireTlsModule } from "../../src/edge/tls.js";
import { freePort, stopChild } from "../helpers/process.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { ENGINES, type EngineName } from "../helpers/stores.js";
import { defaultRegions } from "../../src/domain/regions.js";
import { removeSippFiles, requireSipp, startUas, type Uas } from "./sipp.js";

export interface EdgeStack {
  engine: EngineName;
  server: TestServer;
  /** SIP address of the edge, ip:port. */
  edge: string;
  /** Its TLS socket, ip:port (on the same address). */
  edgeTls: string;
  options: EdgeOptions;
  /** The flow application every region's flow URI points at (a sipp UAS on .250 of the edge's /24). */
  flow: Uas;
  /** Waits until every change so far has reached the edge. */
  settled(): Promise<void>;
  /** Stops Kamailio and starts it again on the same addresses. */
  restartEdge(): Promise<void>;
  /** Stops Kamailio (the API keeps running and its reloader finds the edge gone). */
  stopEdge(): Promise<void>;
  /** Starts Kamailio again after stopEdge, and waits until the reloader has reconciled it. */
  startEdge(): Promise<void>;
  /** Stops the API server (and its reloader); the edge keeps running. */
  stopApi(): Promise<void>;
  /** What Kamailio has logged since it last started (the last 20,000 characters). */
  log(): string;
  close(): Promise<void>;
}

/**
 * The API server (with its edge reloader) on a fresh store, and a real Kamailio edge on
 * `sipAddress` reading that store, its self-signed TLS certificate made in a temp dir. Everything
 * runs on loopback; processes are stopped by PID. `serverEnv` adds to the API server's environment.
 */
export async function startEdgeStack(engine: EngineName, sipAddress: string, env: NodeJS.ProcessEnv = {}, serverEnv: Record<string, string> = {}): Promise<EdgeStack> {
  requireKamailio();
  requireTlsModule(kamailioModulePath());
  requireSipp();
  const sipPort = await freePort();
  const tlsPort = await freePort();
  const rpcPort = await freePort();
  const rpcUrl = `http://127.0.0.1:${rpcPort}/RPC`;
  const flow = await startUas(sipAddress.replace(/\.\d+$/, ".250"), await freePort());
  const regions = defaultRegions.map((r) => ({ ...r, flowUri: `sip:flow@${flow.address};transport=tcp` }));
  const server = await startServer(engine, { ...serverEnv, TRUNKLINE_EDGE_RPC_URLS: rpcUrl, TRUNKLINE_REGIONS: JSON.stringify(regions) }).catch(async (error: unknown) => {
    await flow.stop();
    throw error;
  });
  await syncCountryRules(server.runtime.store);
  const tlsDir = mkdtempSync(join(tmpdir(), "tl-edge-tls-"));
  const options: EdgeOptions = {
    ...edgeOptions(server.runtime.config, {
      TRUNKLINE_EDGE_LISTEN: `${sipAddress}:${sipPort}`,
      TRUNKLINE_EDGE_TLS_LISTEN: `${sipAddress}:${tlsPort}`,
      // A subdirectory: the edge makes its certificate there on first start.
      TRUNKLINE_EDGE_TLS_DIR: join(tlsDir, "edge-tls"),
      TRUNKLINE_EDGE_RPC: `127.0.0.1:${rpcPort}`,
      ...env,
    }),
    pgSchema: server.runtime.store.pgSchema,
    children: 2,
    frTimerMs: 1000,
  };
  let proc: EdgeProcess | undefined;
  let output = "";
  let apiStopped = false;

  const launch = async () => {
    output = "";
    const p = startKamailio(options, { shmMb: 64, pkgMb: 8 });
    proc = p;
    p.child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    p.child.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20000)));
    const rpc = new EdgeRpc(rpcUrl, 1000);
    const deadline = Date.now() + 15000;
    try {
      for (;;) {
        if (p.child.exitCode !== null) throw new Error(`kamailio exited with ${p.child.exitCode}:\n${output.slice(-4000)}`);
        const up = await rpc.call("core.uptime").then(
          () => true,
          () => false,
        );
        if (up) break;
        if (Date.now() > deadline) throw new Error(`kamailio did not answer JSON-RPC within 15 s:\n${output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      rpc.close();
    }
  };
  const halt = async () => {
    if (!proc) return;
    await stopChild(proc.child, 3000);
    proc.cleanup();
    proc = undefined;
  };

  try {
    await launch();
    await server.runtime.edge?.settled();
  } catch (error) {
    await halt();
    await server.close();
    await flow.stop();
    rmSync(tlsDir, { recursive: true, force: true });
    throw error;
  }
  return {
    engine,
    server,
    edge: `${sipAddress}:${sipPort}`,
    edgeTls: `${sipAddress}:${tlsPort}`,
    options,
    flow,
    async settled() {
      if (!apiStopped) await server.runtime.edge?.settled();
    },
    async restartEdge() {
      await halt();
      await launch();
      if (!apiStopped) await server.runtime.edge?.settled();
    },
    stopEdge: halt,
    log: () => output,
    async startEdge() {
      await launch();
      if (!apiStopped) await server.runtime.edge?.settled();
    },
    async stopApi() {
      apiStopped = true;
      await server.stop();
    },
    async close() {
      await halt();
      await server.close();
      await flow.stop();
      rmSync(tlsDir, { recursive: true, force: true });
      removeSippFiles();
    },
  };
}

/**
 * One `describe` per engine, each with its own API server, store and Kamailio on `sipAddress`;
 * `env` adds TRUNKLINE_EDGE_* settings for the edge.
 */
export function describeEdge(title: string, sipAddress: string, suite: (stack: () => EdgeStack) => void, env: NodeJS.ProcessEnv = {}): void {
  for (const engine of ENGINES) {
    describe(`${title} [${engine}]`, () => {
      let stack: EdgeStack | undefined;
      before(async () => {
        stack = await startEdgeStack(engine, sipAddress, env);
      });
      after(async () => {
        await stack?.close();
      });
      suite(() => {
        if (!stack) throw new Error(`the ${engine} edge did not start`);
        return stack;
      });
    });
  }
}
