import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { Config } from "../../config.js";
import { edgeOptions, type EdgeOptions } from "../../edge/config.js";
import { aptInstallCommand, PLATFORM_PACKAGES } from "../../edge/packages.js";
import { requireKamailio } from "../../edge/process.js";
import { renderConfig } from "../../edge/render.js";
import type { EdgeHeartbeat } from "../../edge/registry.js";
import { requireTlsModule } from "../../edge/tls.js";
import type { ComponentLog } from "../../log.js";
import { checkDatabaseUrl } from "../database.js";
import { deregisterEdge, edgeRpcUrl, prepareEdgeStore, registerEdge, startEdge, type RunningEdge } from "./edge.js";
import { onSignal, startApi, type ApiServer } from "./serve.js";

/** A pino-shaped JSON line on stdout, next to the API server's own log lines. */
function logLine(level: number, component: string, fields: object, msg: string): void {
  process.stdout.write(`${JSON.stringify({ level, time: Date.now(), pid: process.pid, component, ...fields, msg })}\n`);
}

/** Kamailio's own log level word, as pino's number (its lines stay whole in `msg`). */
function kamailioLevel(line: string): number {
  if (/\b(ALERT|BUG|CRITICAL|ERROR)\b/.test(line)) return 50;
  if (/\bWARNING\b/.test(line)) return 40;
  return 30;
}

/** Background components (the edge's registration) log next to the API server's lines. */
function componentLog(component: string): ComponentLog {
  return { info: (obj, msg) => logLine(30, component, obj, msg), warn: (obj, msg) => logLine(40, component, obj, msg) };
}

function relayOutput(stream: Readable | null, pid: number): void {
  if (!stream) return;
  createInterface({ input: stream }).on("line", (line) => {
    if (line.trim()) logLine(kamailioLevel(line), "edge", { kamailio_pid: pid }, line.trim());
  });
}

/**
 * Why this machine cannot run the edge, or undefined: Kamailio missing, or a module its config
 * loads (the store's db_sqlite/db_postgres, tls, the extra modules' ones) not installed.
 */
function edgeUnavailable(options: EdgeOptions): string | undefined {
  try {
    requireKamailio();
    requireTlsModule(options.modulePath);
  } catch (error) {
    // The messages end in their own install hint; only the first sentence is kept here.
    return (error as Error).message.replace(/\. Install it with:.*$/s, "");
  }
  const modules = [...renderConfig(options).matchAll(/^loadmodule "([^"/]+)"/gm)].map((m) => m[1] as string);
  const missing = modules.filter((m) => !existsSync(join(options.modulePath, m)));
  return missing.length ? `Kamailio modules not installed in ${options.modulePath}: ${missing.join(", ")}` : undefined;
}

/**
 * `trunkline up`: the SIP edge and the API server on one store, in the foreground. The edge
 * registers itself in the store, where the API's reloader finds it; its RPC URL is also handed to
 * the reloader directly, so the first sync does not wait for discovery. No variables wire them. Runs until
 * SIGTERM/SIGINT (stops Kamailio, then drains the API: exit 0) or until a part exits on its own
 * (the rest is stopped: exit 1) — a supervisor restarts the whole platform, never half of it.
 */
export async function up(config: Config): Promise<number> {
  // Settings mistakes first, before anything is started.
  await checkDatabaseUrl(config);
  const options = edgeOptions(config);
  const missing = edgeUnavailable(options);

  // Registered first, so a signal during start-up still stops what has been started.
  let stopRequested: ((signal: NodeJS.Signals) => void) | undefined;
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => (stopRequested = resolve));
  onSignal((signal) => stopRequested?.(signal));

  let edge: RunningEdge | undefined;
  let heartbeat: EdgeHeartbeat | undefined;
  const registryLog = componentLog("edge_registry");
  let wired = config;
  if (missing) {
    const hint = `sudo ${aptInstallCommand(PLATFORM_PACKAGES)}`;
    process.stderr.write(`trunkline up: running the API only, no SIP edge: ${missing}. Install the edge with \`trunkline setup\` (or: ${hint})\n`);
  } else {
    await prepareEdgeStore(config);
    edge = startEdge(options, { stdio: ["ignore", "pipe", "pipe"] });
    const started = edge;
    // A Kamailio outliving this process would hold the SIP ports: stop it on any exit.
    process.on("exit", () => {
      if (started.proc.child.exitCode === null && started.proc.child.signalCode === null) started.proc.child.kill("SIGTERM");
    });
    relayOutput(edge.proc.child.stdout, edge.pid);
    relayOutput(edge.proc.child.stderr, edge.pid);
    const url = edgeRpcUrl(options);
    // Registered once it answers JSON-RPC (registerEdge stops it if it cannot be).
    const registering = registerEdge(config, options, edge, registryLog);
    const startup = await Promise.race([registering.then((hb) => ({ hb })), stopSignal.then((signal) => ({ signal }))]).catch(async (error: unknown) => {
      await started.stop();
      throw error;
    });
    if ("signal" in startup) {
      await edge.stop();
      await deregisterEdge(await registering.catch(() => undefined), registryLog);
      return 0;
    }
    if (!startup.hb) {
      const { code, signal } = await edge.exited;
      throw new Error(`the SIP edge (kamailio, pid ${edge.pid}) exited while starting (${signal ?? `code ${code}`}): see its log lines above`);
    }
    heartbeat = startup.hb;
    logLine(30, "edge", { kamailio_pid: edge.pid, config: edge.proc.configPath, sip: `${options.sipAddress}:${options.sipPort}`, rpc: url }, "SIP edge running");
    // The edge found here is added to any TRUNKLINE_EDGE_RPC_URLS the operator set.
    wired = { ...config, edgeRpcUrls: [...new Set([...(config.edgeRpcUrls ?? []), url])] };
  }
  // The media relay (rtpengine) joins here once it exists: started and supervised like the edge.

  let api: ApiServer;
  try {
    api = await startApi(wired);
  } catch (error) {
    await deregisterEdge(heartbeat, registryLog);
    await edge?.stop();
    throw error;
  }

  const stopping = Promise.race([
    stopSignal.then((signal) => {
      api.app.log.info({ signal }, "shutting down");
      return 0;
    }),
    ...(edge
      ? [
          edge.exited.then(async ({ code, signal }) => {
            // Ctrl-C reaches Kamailio too (one process group): its exit is then part of stopping.
            const asked = await Promise.race([stopSignal.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 1000))]);
            if (asked) return 0;
            api.app.log.error({ component: "edge", kamailio_pid: edge.pid, code, signal }, `the SIP edge (kamailio) exited unexpectedly (${signal ?? `code ${code}`}): stopping the platform`);
            return 1;
          }),
        ]
      : []),
  ]);
  const code = await stopping;
  // The edge first — marked stopped in the store, then Kamailio (calls stop being admitted) —
  // then the API drains and closes the store.
  await deregisterEdge(heartbeat, registryLog);
  await edge?.stop();
  await api.close();
  return code;
}
