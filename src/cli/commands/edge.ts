import type { StdioOptions } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { Config } from "../../config.js";
import { edgeOptions, withOverride, type EdgeOptions } from "../../edge/config.js";
import { syncCountryRules } from "../../edge/countries.js";
import { startKamailio, type EdgeProcess } from "../../edge/process.js";
import { registerRunningEdge, type EdgeHeartbeat } from "../../edge/registry.js";
import { renderConfig } from "../../edge/render.js";
import { certificateFiles, renderTlsConfig, TLS_CONFIG_NAME } from "../../edge/tls.js";
import { stderrLog, type ComponentLog } from "../../log.js";
import { migrateToLatest, openStore } from "../../store/db.js";
import { checkDatabaseUrl } from "../database.js";
import { onSignal } from "./serve.js";
import { drainRecords } from "../../edge/recordDrain.js";

export interface EdgeFlags {
  print?: boolean;
  listen?: string;
  tlsListen?: string;
  rpc?: string;
  children?: number;
  realm?: string;
  shm?: number;
}

/** The edge's options: TRUNKLINE_EDGE_* from the environment, then the command line's flags. */
export function edgeOptionsWith(config: Config, flags: EdgeFlags): EdgeOptions {
  let options = edgeOptions(config);
  const overrides: [string, string | number | undefined][] = [
    ["--listen", flags.listen],
    ["--tls-listen", flags.tlsListen],
    ["--rpc", flags.rpc],
    ["--children", flags.children],
    ["--realm", flags.realm],
  ];
  for (const [flag, value] of overrides) if (value !== undefined) options = withOverride(options, flag, String(value));
  return options;
}

/** The URL the API's reloader reaches this edge's JSON-RPC at. */
export function edgeRpcUrl(options: EdgeOptions): string {
  const host = options.rpcAddress === "0.0.0.0" ? "127.0.0.1" : options.rpcAddress;
  return `http://${host}:${options.rpcPort}/RPC`;
}

/** Brings the store's edge projection up to date (migrations, country rules) before Kamailio reads it. */
export async function prepareEdgeStore(config: Config): Promise<void> {
  await checkDatabaseUrl(config);
  const store = openStore({ databaseUrl: config.databaseUrl, pgSchema: config.pgSchema, poolSize: 1 });
  try {
    await migrateToLatest(store);
    await syncCountryRules(store);
  } finally {
    await store.close();
  }
}

export interface RunningEdge {
  proc: EdgeProcess;
  pid: number;
  /** Settles when Kamailio has exited (its config dir is removed by then). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** Drains the call record queue (at most 3 s), SIGTERM (SIGKILL after `graceMs`), then waits for the exit. */
  stop(graceMs?: number): Promise<void>;
}

/** Pids of the processes running Kamailio on `configPath` (the main one and its workers). */
export function kamailioProcesses(configPath: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc", { withFileTypes: true })) {
    if (!/^\d+$/.test(entry.name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry.name}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    if (argv.includes(configPath) && argv.some((a) => a.includes("kamailio"))) pids.push(Number(entry.name));
  }
  return pids;
}

function killWorkers(configPath: string): void {
  for (const pid of kamailioProcesses(configPath)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * Runs Kamailio on a prepared store (see prepareEdgeStore). Used by `trunkline edge` and
 * `trunkline up`: anything an edge does while it runs (e.g. registering itself) belongs here.
 */
export function startEdge(options: EdgeOptions, run: { shmMb?: number; stdio?: StdioOptions } = {}): RunningEdge {
  const proc = startKamailio(options, { shmMb: run.shmMb ?? 256, stdio: run.stdio ?? "inherit" });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.child.on("exit", (code, signal) => {
      // Killed outright, Kamailio's main process leaves its workers running, holding the SIP ports.
      killWorkers(proc.configPath);
      proc.cleanup();
      resolve({ code, signal });
    });
  });
  const hasExited = () => proc.child.exitCode !== null || proc.child.signalCode !== null;
  return {
    proc,
    pid: proc.child.pid ?? -1,
    exited,
    hasExited,
    async stop(graceMs = 10000) {
      if (hasExited()) return void (await exited);
      // Records queued in Kamailio's shared memory would die with it (docs/calls.md).
      if (options.recordCalls !== false) await drainRecords(edgeRpcUrl(options));
      if (hasExited()) return void (await exited);
      proc.child.kill("SIGTERM");
      const timer = setTimeout(() => proc.child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Registers a started edge in the store once it answers JSON-RPC, and heartbeats while it does
 * (src/edge/registry.ts): API processes find it there. An edge that cannot register is stopped —
 * running unregistered, no API would ever keep it in step.
 */
export async function registerEdge(config: Config, options: EdgeOptions, running: RunningEdge, log: ComponentLog): Promise<EdgeHeartbeat | undefined> {
  try {
    return await registerRunningEdge(config, options, { exited: running.hasExited, log });
  } catch (error) {
    if (running.hasExited()) return undefined;
    log.warn({ err: (error as Error).message }, "the edge could not register in the store: stopping it");
    await running.stop();
    throw error;
  }
}

/** Marks the edge stopped in the store (API processes show it down at once); a failure is only logged. */
export async function deregisterEdge(heartbeat: EdgeHeartbeat | undefined, log: ComponentLog): Promise<void> {
  await heartbeat?.stop().catch((error: unknown) => log.warn({ err: (error as Error).message }, "could not mark the edge stopped in the store; it shows down after missed heartbeats"));
}

/**
 * `trunkline edge`: brings the store's edge projection up to date, renders the Kamailio config
 * (and tls.cfg) and runs Kamailio in the foreground until SIGTERM/SIGINT, or with `--print`
 * only prints the config.
 */
export async function edge(flags: EdgeFlags, config: Config): Promise<number> {
  const options = edgeOptionsWith(config, flags);
  if (flags.print) {
    process.stdout.write(renderConfig(options));
    // tls.cfg is a file of its own; shown commented out, so the output stays a valid kamailio.cfg.
    const tls = renderTlsConfig(options.tls, certificateFiles(options.tls)).trimEnd().split("\n");
    process.stdout.write(`\n#### ${TLS_CONFIG_NAME}, written next to kamailio.cfg when the edge starts:\n${tls.map((l) => (l ? `# ${l}` : "#")).join("\n")}\n`);
    return 0;
  }
  await prepareEdgeStore(config);
  const log = stderrLog("edge");
  const running = startEdge(options, { shmMb: flags.shm });
  onSignal(() => void running.stop());
  const registered = registerEdge(config, options, running, log).then(
    (heartbeat) => ({ heartbeat, failed: false }),
    () => ({ heartbeat: undefined, failed: true }),
  );
  const { code, signal } = await running.exited;
  const { heartbeat, failed } = await registered;
  await deregisterEdge(heartbeat, log);
  if (failed) return 1;
  return code ?? (signal ? 0 : 1);
}
