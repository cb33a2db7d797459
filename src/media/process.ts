import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import { createInterface } from "node:readline";
import { aptInstallCommand, MEDIA_PACKAGES } from "../edge/packages.js";
import { formatUdpAddress, parseUdpAddress } from "./address.js";
import { NgClient } from "./ng.js";

export const RTPENGINE_INSTALL_HINT = `trunkline setup (or: sudo ${aptInstallCommand(MEDIA_PACKAGES)})`;

/** Fails with the install hint when the rtpengine binary cannot be run. */
export function requireRtpengine(bin = process.env.TRUNKLINE_RTPENGINE_BIN || "rtpengine"): string {
  const probe = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) throw new Error(`rtpengine not found ('${bin} --version' failed). Install it with: ${RTPENGINE_INSTALL_HINT}`);
  return bin;
}

export interface RelayOptions {
  /** Where rtpengine listens for ng commands (UDP), ip:port. */
  ngAddress: string;
  /** The local address media sockets are bound to. */
  interfaceAddress: string;
  /** The address written into SDP instead (public address behind NAT). */
  advertise?: string | undefined;
  /** Media (RTP/RTCP) port range, inclusive. */
  portMin: number;
  portMax: number;
  /** rtpengine log level (syslog numbers; default 5, notice: start, stop and problems, not every call). */
  logLevel?: number;
  /** Worker threads (default: rtpengine's, one per core). */
  threads?: number;
  /** Command to run rtpengine under, e.g. ["taskset", "-c", "1"] (benchmarks pin it). */
  wrapper?: string[];
  /** Each line rtpengine writes (stdout and stderr), as it comes. */
  onLine?: (line: string) => void;
  /** How long to wait for the first `pong` (default 10 s). */
  startTimeoutMs?: number;
}

export interface RunningRelay {
  pid: number;
  /** ip:port its ng listener answers on. */
  ngAddress: string;
  child: ChildProcess;
  /** Settles when rtpengine exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM by PID, SIGKILL after `graceMs` (default 5 s); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** What it wrote so far (the last 64 KB). */
  output(): string;
}

const KEEP_OUTPUT = 64 * 1024;

/** The command line of a userspace, foreground rtpengine logging to stderr (exported for the docs' example and tests). */
export function rtpengineArgs(options: RelayOptions): string[] {
  const ng = parseUdpAddress(options.ngAddress, "rtpengine ng address");
  const media = options.advertise ? `${options.interfaceAddress}!${options.advertise}` : options.interfaceAddress;
  if (!Number.isInteger(options.portMin) || !Number.isInteger(options.portMax) || options.portMin < 1024 || options.portMax > 65535 || options.portMin >= options.portMax) {
    throw new Error(`media port range must be two ports 1024-65535, low < high, got ${options.portMin}-${options.portMax}`);
  }
  return [
    // Never the packaged /etc/rtpengine/rtpengine.conf: everything comes from here.
    "--config-file=none",
    "--foreground",
    "--log-stderr",
    "--no-log-timestamps",
    `--log-level=${options.logLevel ?? 5}`,
    // Userspace forwarding: no kernel module, no iptables rules.
    "--table=-1",
    `--interface=${media}`,
    `--listen-ng=${formatUdpAddress(ng)}`,
    `--port-min=${options.portMin}`,
    `--port-max=${options.portMax}`,
    // A deleted session is gone at once (not kept 30 s): `list`/`query` show what is really held.
    "--delete-delay=0",
    ...(options.threads ? [`--num-threads=${options.threads}`] : []),
  ];
}

/**
 * Starts rtpengine in the foreground and resolves once its ng listener answers `ping`. Fails (with
 * what rtpengine wrote) if it exits first or does not answer within the start timeout; it is then
 * killed. The caller stops it with `stop()`.
 */
export async function startRtpengine(options: RelayOptions): Promise<RunningRelay> {
  const args = rtpengineArgs(options);
  const bin = requireRtpengine();
  const ng = parseUdpAddress(options.ngAddress, "rtpengine ng address");
  const ngAddress = formatUdpAddress(ng);
  // rtpengine binds its ng socket with SO_REUSEPORT: a second one on a taken port would start
  // and share the commands with the first. A plain bind tells.
  await new Promise<void>((resolve, reject) => {
    const probe = createSocket(isIPv6(ng.host) ? "udp6" : "udp4");
    probe.once("error", (error: NodeJS.ErrnoException) => {
      probe.close();
      reject(new Error(`rtpengine ng address ${ngAddress} cannot be used: ${error.code === "EADDRINUSE" ? "already in use (another rtpengine?)" : error.message}`));
    });
    probe.bind(ng.port, ng.host, () => probe.close(() => resolve()));
  });
  const [cmd, ...pre] = [...(options.wrapper ?? []), bin];
  const child = spawn(cmd as string, [...pre, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const spawnFailed = new Promise<Error>((resolve) => child.once("error", resolve));
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      output = (output + line + "\n").slice(-KEEP_OUTPUT);
      options.onLine?.(line);
    });
  }
  const pid = child.pid;
  const stop = (graceMs = 5000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || pid === undefined) return exited.then(() => undefined);
    const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.kill("SIGTERM");
    return exited.then(() => clearTimeout(kill));
  };
  if (pid === undefined) throw new Error(`rtpengine could not be started: ${(await spawnFailed).message}`);

  const client = new NgClient(ngAddress, { timeoutMs: 300, retransmitMs: 300 });
  const deadline = Date.now() + (options.startTimeoutMs ?? 10000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const { code, signal } = await exited;
        // Let the last lines reach `output`.
        await new Promise((r) => setImmediate(r));
        throw new Error(`rtpengine exited (${signal ?? `code ${code}`}) before answering ng ping on ${ngAddress}:\n${output.trim()}`);
      }
      const up = await client.ping().then(
        () => true,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) {
        await stop(1000);
        throw new Error(`rtpengine did not answer ng ping on ${ngAddress} within ${options.startTimeoutMs ?? 10000} ms:\n${output.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    client.close();
  }
  return { pid, ngAddress, child, exited, stop, output: () => output };
}
