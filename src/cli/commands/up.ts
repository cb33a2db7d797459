import { existsSync } from "node:fs";
import { isIP } from "node:net";
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
import { mediaRelayConfig, type MediaRelayConfig } from "../../media/config.js";
import { requireRtpengine } from "../../media/process.js";
import { runMediaRelay, rtpengineLevel, type MediaRelayRun } from "../../media/run.js";
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

/** What `up` does about media: start a local relay (with these settings), or not, and why. */
type MediaPlan = { start: MediaRelayConfig } | { start: undefined; edgeEnv: NodeJS.ProcessEnv; say?: string };

/**
 * A local rtpengine is started unless TRUNKLINE_MEDIA=off or TRUNKLINE_MEDIA_NG names relays
 * elsewhere (not this relay's TRUNKLINE_MEDIA_NG_LISTEN). Without rtpengine installed calls go
 * signalling-only (one line says so), unless TRUNKLINE_MEDIA=rtpengine asked for media: an error.
 * Its media address defaults to the edge's SIP address, its advertised one to the edge's.
 */
function mediaPlan(options: EdgeOptions, env: NodeJS.ProcessEnv = process.env): MediaPlan {
  const mode = (env.TRUNKLINE_MEDIA ?? "").trim().toLowerCase();
  if (mode === "off") return { start: undefined, edgeEnv: env };
  const isIp = (h: string | undefined) => (h && isIP(h) && h !== "0.0.0.0" && h !== "::" ? h : undefined);
  const relay = mediaRelayConfig(env, { interfaceAddress: isIp(options.sipAddress), advertise: isIp(options.advertise?.host) });
  const named = (env.TRUNKLINE_MEDIA_NG ?? "").split(",").map((a) => a.trim()).filter(Boolean);
  if (named.length > 0 && !named.includes(relay.ngAddress)) return { start: undefined, edgeEnv: env, say: `media relays named by TRUNKLINE_MEDIA_NG (${named.join(", ")}): no local media relay started` };
  try {
    requireRtpengine();
  } catch (error) {
    if (mode === "rtpengine") throw error;
    const why = (error as Error).message.replace(/\. Install it with:.*$/s, "");
    process.stderr.write(`trunkline up: no media relay, calls are signalling-only (media flows directly between the parties): ${why}. Install it with \`trunkline setup\` (or: sudo ${aptInstallCommand(PLATFORM_PACKAGES)})\n`);
    return { start: undefined, edgeEnv: { ...env, TRUNKLINE_MEDIA: "off" } };
  }
  if (!isIp(options.sipAddress) && !(env.TRUNKLINE_MEDIA_INTERFACE ?? "").trim()) {
    // Loopback would be written into every SDP: peers elsewhere could not send media to it.
    throw new Error(`TRUNKLINE_MEDIA_INTERFACE must be set when the edge listens on '${options.sipAddress}' (TRUNKLINE_EDGE_LISTEN): it is the address media is bound to and, unless TRUNKLINE_MEDIA_ADVERTISE is set, written into SDP (or TRUNKLINE_MEDIA=off)`);
  }
  return { start: relay };
}

/**
 * `trunkline up`: the media relay (rtpengine), the SIP edge and the API server on one store, in
 * the foreground. The relay starts first and the edge is handed its ng address; both register
 * themselves in the store, where the API finds them; the edge's RPC URL is also handed to the
 * reloader directly, so the first sync does not wait for discovery. No variables wire them. Runs
 * until SIGTERM/SIGINT (stops Kamailio, then the relay, then drains the API: exit 0) or until a
 * part exits on its own (the rest is stopped: exit 1) — a supervisor restarts the whole platform,
 * never half of it.
 */
export async function up(config: Config): Promise<number> {
  // Settings mistakes first, before anything is started.
  await checkDatabaseUrl(config);
  let options = edgeOptions(config);
  const missing = edgeUnavailable(options);
  // Media only next to an edge: nothing else would use the relay.
  const media = missing ? undefined : mediaPlan(options);

  // Registered first, so a signal during start-up still stops what has been started.
  let stopRequested: ((signal: NodeJS.Signals) => void) | undefined;
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => (stopRequested = resolve));
  onSignal((signal) => stopRequested?.(signal));

  let edge: RunningEdge | undefined;
  let heartbeat: EdgeHeartbeat | undefined;
  let relay: MediaRelayRun | undefined;
  const registryLog = componentLog("edge_registry");
  let wired = config;
  if (missing) {
    const hint = `sudo ${aptInstallCommand(PLATFORM_PACKAGES)}`;
    process.stderr.write(`trunkline up: running the API only, no SIP edge: ${missing}. Install the edge with \`trunkline setup\` (or: ${hint})\n`);
  } else {
    await prepareEdgeStore(config);
    if (media?.start) {
      // Before Kamailio, which is handed its ng address: the edge's first call finds it running.
      const starting = runMediaRelay(config, media.start, {
        log: componentLog("media"),
        onLine: (line) => line.trim() && logLine(rtpengineLevel(line.trim()), "media", {}, line.trim()),
      });
      const first = await Promise.race([starting.then((run) => ({ run })), stopSignal.then((signal) => ({ signal }))]);
      if ("signal" in first) {
        await (await starting.catch(() => undefined))?.stop();
        return 0;
      }
      relay = first.run;
      const started = relay;
      process.on("exit", () => {
        if (started.relay.child.exitCode === null && started.relay.child.signalCode === null) started.relay.child.kill("SIGTERM");
      });
      logLine(30, "media", { rtpengine_pid: relay.relay.pid, ng: relay.relay.ngAddress, interface: media.start.interfaceAddress, advertise: media.start.advertise ?? null, ports: `${media.start.portMin}-${media.start.portMax}` }, "media relay running");
      options = edgeOptions(config, { ...process.env, TRUNKLINE_MEDIA_NG: process.env.TRUNKLINE_MEDIA_NG || relay.relay.ngAddress });
    } else if (media) {
      if (media.say) logLine(30, "media", {}, media.say);
      options = edgeOptions(config, media.edgeEnv);
    }
    try {
      edge = startEdge(options, { stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      await relay?.stop();
      throw error;
    }
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
      await relay?.stop();
      throw error;
    });
    if ("signal" in startup) {
      await edge.stop();
      await deregisterEdge(await registering.catch(() => undefined), registryLog);
      await relay?.stop();
      return 0;
    }
    if (!startup.hb) {
      await relay?.stop();
      const { code, signal } = await edge.exited;
      throw new Error(`the SIP edge (kamailio, pid ${edge.pid}) exited while starting (${signal ?? `code ${code}`}): see its log lines above`);
    }
    heartbeat = startup.hb;
    logLine(30, "edge", { kamailio_pid: edge.pid, config: edge.proc.configPath, sip: `${options.sipAddress}:${options.sipPort}`, rpc: url }, "SIP edge running");
    // The edge found here is added to any TRUNKLINE_EDGE_RPC_URLS the operator set.
    wired = { ...config, edgeRpcUrls: [...new Set([...(config.edgeRpcUrls ?? []), url])] };
  }

  let api: ApiServer;
  try {
    api = await startApi(wired);
  } catch (error) {
    await deregisterEdge(heartbeat, registryLog);
    await edge?.stop();
    await relay?.stop();
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
    ...(relay
      ? [
          relay.relay.exited.then(async ({ code, signal }) => {
            const asked = await Promise.race([stopSignal.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 1000))]);
            if (asked) return 0;
            api.app.log.error({ component: "media", rtpengine_pid: relay?.relay.pid, code, signal }, `the media relay (rtpengine) exited unexpectedly (${signal ?? `code ${code}`}): stopping the platform`);
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
  // The media relay after the edge: no call is offered to it any more.
  await relay?.stop();
  await api.close();
  return code;
}
