import type { Config } from "../../config.js";
import { stderrLog } from "../../log.js";
import { mediaRelayConfig } from "../../media/config.js";
import { runMediaRelay, rtpengineLevel } from "../../media/run.js";
import { checkDatabaseUrl } from "../database.js";
import { MEDIA_FLAG_VARIABLES, type MediaFlags } from "../mediaFlags.js";
import { onSignal } from "./serve.js";

/**
 * `trunkline media`: one media relay (rtpengine) in the foreground, for a host of its own.
 * Registered in the store (API processes show it in /readyz and /metrics); edges use it when
 * their TRUNKLINE_MEDIA_NG names its ng address. Stops on SIGTERM/SIGINT (marked stopped in the
 * store, then rtpengine stopped: exit 0); rtpengine exiting on its own exits 1, leaving the
 * registration to go stale, so that a supervisor restarts it.
 */
export async function media(flags: MediaFlags, config: Config): Promise<number> {
  const env = { ...process.env };
  for (const [key, variable] of MEDIA_FLAG_VARIABLES) if (flags[key] !== undefined) env[variable] = flags[key];
  const relayConfig = mediaRelayConfig(env);
  await checkDatabaseUrl(config);
  const log = stderrLog("media");
  let stopRequested: ((signal: NodeJS.Signals) => void) | undefined;
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => (stopRequested = resolve));
  onSignal((signal) => stopRequested?.(signal));
  const line = (text: string) => process.stderr.write(`${JSON.stringify({ level: rtpengineLevel(text), time: Date.now(), component: "media", msg: text })}\n`);
  const run = await runMediaRelay(config, relayConfig, { log, onLine: (text) => text.trim() && line(text.trim()) });
  log.info({ rtpengine_pid: run.relay.pid, ng: run.relay.ngAddress, interface: relayConfig.interfaceAddress, advertise: relayConfig.advertise ?? null, ports: `${relayConfig.portMin}-${relayConfig.portMax}` }, "media relay running");
  const outcome = await Promise.race([stopSignal.then((signal) => ({ signal })), run.relay.exited.then((exit) => ({ exit }))]);
  if ("signal" in outcome) {
    log.info({ signal: outcome.signal }, "stopping the media relay");
    await run.stop();
    return 0;
  }
  // Ctrl-C reaches rtpengine too (one process group): its exit is then part of stopping.
  const asked = await Promise.race([stopSignal.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 1000))]);
  if (asked) {
    await run.stop();
    return 0;
  }
  run.heartbeat.halt();
  const { code, signal } = outcome.exit;
  log.warn({ rtpengine_pid: run.relay.pid, code, signal }, `rtpengine exited unexpectedly (${signal ?? `code ${code}`}): stopping`);
  return 1;
}
