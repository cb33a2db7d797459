import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { createSocket } from "node:dgram";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aptInstallCommand } from "../../src/edge/packages.js";
import type { CertificateFiles } from "../../src/edge/tls.js";
import { freePort, stopChild } from "../helpers/process.js";

/**
 * baresip (Debian's baresip-core) as a real SIP user agent for the interoperability suite: a
 * headless process with a generated config dir, driven over its ctrl_tcp socket (netstring JSON
 * commands, events back), its SIP trace (`-s`) captured as the record of every message it sent
 * and received, and its RTP counts (`rtp_stats`) read from the summary it prints as a call ends.
 */

const MODULE_DIR = "/usr/lib/baresip/modules";
const MODULES = ["g711", "ausine", "aubridge", "srtp", "account", "menu", "ctrl_tcp"];
export const BARESIP_INSTALL_HINT = aptInstallCommand(["baresip-core"]);

/** The suite fails, naming the install command, when baresip or a module it uses is missing. */
export function requireBaresip(): void {
  const probe = spawnSync("baresip", ["-h"], { encoding: "utf8", timeout: 5000 });
  if (probe.error) throw new Error(`baresip not found (${probe.error.message}). Install it with: ${BARESIP_INSTALL_HINT}`);
  const missing = MODULES.filter((m) => !existsSync(join(MODULE_DIR, `${m}.so`)));
  if (missing.length > 0) throw new Error(`baresip modules missing in ${MODULE_DIR}: ${missing.join(", ")}. Install them with: ${BARESIP_INSTALL_HINT}`);
}

export interface BaresipOptions {
  /** Its IP address (127.0.80.x): SIP listens on it (UDP and TCP on `port`, TLS on `port` + 1), media too. */
  address: string;
  /**
   * Account lines (baresip's `accounts` file). An incoming INVITE is taken by the account whose
   * user is the Request-URI user; `dial` uses the first account.
   */
  accounts: string[];
  /** A certificate to present on its TLS socket (a PBX reached over transport=tls). */
  certificate?: CertificateFiles;
}

/** One SIP message from the trace. */
export interface SipMessage {
  transport: "UDP" | "TCP" | "TLS";
  /** ip:port as the trace names them. */
  source: string;
  destination: string;
  /** Whether this UA received it (rather than sent it). */
  received: boolean;
  text: string;
  /** The method of a request, undefined for a response. */
  method: string | undefined;
  /** The status of a response. */
  status: number | undefined;
  callId: string;
  /** The CSeq method (for responses: what they answer). */
  cseqMethod: string;
}

/** A ctrl_tcp event (CALL_ESTABLISHED, CALL_CLOSED, ...): `id` is the call's Call-ID. */
export interface BaresipEvent {
  type: string;
  id?: string;
  param?: string;
  direction?: string;
  accountaor?: string;
  [key: string]: unknown;
}

export interface RtpStats {
  txPackets: number;
  rxPackets: number;
}

export interface Baresip {
  address: string;
  /** SIP over UDP and TCP. */
  port: number;
  /** SIP over TLS. */
  tlsPort: number;
  /** Dials `uri` from the first account. */
  dial(uri: string): Promise<void>;
  /**
   * Hangs up the call of the account `aor` (as events name it: sip:user@domain), or the current
   * account's call: baresip's hangup acts on its current account, which an incoming call does not change.
   */
  hangup(aor?: string): Promise<void>;
  /** The first event, from `since` (an index into events()), matching `match`; fails after `timeoutMs`. */
  waitForEvent(match: (e: BaresipEvent) => boolean, timeoutMs: number, since?: number): Promise<BaresipEvent>;
  events(): BaresipEvent[];
  /** Every SIP message in the trace so far, in order. */
  messages(): SipMessage[];
  /** Waits until `check` finds what it looks for in the trace; fails after `timeoutMs` with the trace. */
  waitForMessage(check: (m: SipMessage) => boolean, timeoutMs: number, what: string): Promise<SipMessage>;
  /** RTP summaries printed at the end of each call, in order. */
  rtpStats(): RtpStats[];
  waitForRtpStats(count: number, timeoutMs: number): Promise<RtpStats>;
  /** Everything it wrote (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** A port whose UDP and TCP sockets, and TCP on the next port (TLS), are free on `address`. */
async function sipPorts(address: string): Promise<number> {
  const tcpFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, address, () => s.close(() => resolve(true)));
    });
  const udpFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createSocket("udp4");
      s.once("error", () => resolve(false));
      s.bind(port, address, () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if (port < 65535 && (await tcpFree(port)) && (await udpFree(port)) && (await tcpFree(port + 1))) return port;
  }
  throw new Error(`no free SIP port pair on ${address}`);
}

function config(o: { address: string; port: number; ctrlPort: number; certificate?: string }): string {
  const lines = [
    "poll_method epoll",
    `sip_listen ${o.address}:${o.port}`,
    ...(o.certificate ? [`sip_certificate ${o.certificate}`] : []),
    // Media on the UA's own address (else baresip picks the host's default interface).
    `net_interface ${o.address}`,
    "call_local_timeout 30",
    "call_max_calls 4",
    // No sound devices: a 440 Hz tone is sent (ausine makes 48 kHz stereo; baresip resamples to
    // the codec's rate) and what arrives goes to an aubridge device nothing reads from.
    "audio_source ausine,440",
    "ausrc_srate 48000",
    "ausrc_channels 2",
    `audio_player aubridge,sink-${o.port}`,
    `audio_alert aubridge,alert-${o.port}`,
    // Packets sent and received, printed when a call ends: the suite's RTP evidence.
    "rtp_stats yes",
    "statmode_default off",
    `module_path ${MODULE_DIR}`,
    "module g711.so",
    "module ausine.so",
    "module aubridge.so",
    // SDES-SRTP, for accounts with mediaenc=srtp-mand (a secure trunk's PBX).
    "module srtp.so",
    "module_tmp account.so",
    "module_app menu.so",
    "module_app ctrl_tcp.so",
    `ctrl_tcp_listen ${o.address}:${o.ctrlPort}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** A trace entry: baresip prints it in colour, between ESC[36;1m and ESC[;m. */
const ESC = String.fromCharCode(27);
const TRACE = new RegExp(`${ESC}\\[36;1m#\\r?\\n(UDP|TCP|TLS) (\\S+) -> (\\S+)\\r?\\n([\\s\\S]*?)${ESC}\\[;m`, "g");
const STATS = /audio\s+Transmit:\s+Receive:\s*\r?\npackets:\s+(\d+)\s+(\d+)/g;

function parseTrace(output: string, own: string): SipMessage[] {
  const messages: SipMessage[] = [];
  for (const m of output.matchAll(TRACE)) {
    const [, transport, source, destination, raw] = m as unknown as [string, SipMessage["transport"], string, string, string];
    const text = raw.replace(/\r?\n$/, "");
    const first = text.slice(0, text.indexOf("\r\n"));
    const status = /^SIP\/2\.0 (\d{3}) /.exec(first)?.[1];
    messages.push({
      transport,
      source,
      destination,
      // The trace does not say which way a message went, and over TCP and TLS its addresses are a
      // connection's (baresip connects from 127.0.0.1). The top Via does: a UA's own requests and
      // the responses to them carry its Via, and nothing else does.
      received: (/^(?:Via|v)[ \t]*:[ \t]*SIP\/2\.0\/[A-Z]+[ \t]+([^:;\s]+)/im.exec(text)?.[1] === own) === (status !== undefined),
      text,
      method: status ? undefined : /^([A-Z]+) /.exec(first)?.[1],
      status: status ? Number(status) : undefined,
      callId: /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(text)?.[1] ?? "",
      cseqMethod: /^CSeq[ \t]*:[ \t]*\d+[ \t]+([A-Z]+)/im.exec(text)?.[1] ?? "",
    });
  }
  return messages;
}

const netstring = (s: string) => `${Buffer.byteLength(s)}:${s},`;

/** Starts baresip on `address` and connects to its control socket; it is stopped by PID. */
export async function startBaresip(options: BaresipOptions): Promise<Baresip> {
  requireBaresip();
  const dir = mkdtempSync(join(tmpdir(), "tl-baresip-"));
  const port = await sipPorts(options.address);
  const ctrlPort = await freePort();
  let certificate: string | undefined;
  if (options.certificate) {
    // baresip reads the certificate and its key from one PEM file.
    certificate = join(dir, "tls.pem");
    writeFileSync(certificate, readFileSync(options.certificate.cert, "utf8") + readFileSync(options.certificate.key, "utf8"), { mode: 0o600 });
  }
  writeFileSync(join(dir, "config"), config({ address: options.address, port, ctrlPort, certificate }));
  writeFileSync(join(dir, "accounts"), `${options.accounts.join("\n")}\n`);
  writeFileSync(join(dir, "contacts"), "");

  let output = "";
  const child: ChildProcess = spawn("baresip", ["-f", dir, "-s"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString("utf8")));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString("utf8")));
  const spawnError = new Promise<never>((_, reject) => child.once("error", (e) => reject(new Error(`baresip did not start: ${e.message}`))));
  spawnError.catch(() => undefined);

  const events: BaresipEvent[] = [];
  const responses = new Map<string, (r: { ok: boolean; data: string }) => void>();
  let ctrl: Socket | undefined;
  let token = 0;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of waiters) w();
  };
  child.stdout?.on("data", wake);
  child.stderr?.on("data", wake);

  const cleanup = async () => {
    ctrl?.destroy();
    await stopChild(child, 3000);
    rmSync(dir, { recursive: true, force: true });
  };

  /** Resolves when `probe` gives a value, re-checked on every output or event; fails after `timeoutMs`. */
  const until = <T>(probe: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = probe();
        if (v === undefined) return;
        finish();
        resolve(v);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`baresip on ${options.address}: ${what()} within ${timeoutMs} ms`));
      }, timeoutMs);
      const exited = () => {
        finish();
        reject(new Error(`baresip on ${options.address} exited (${child.exitCode ?? child.signalCode}) before: ${what()}\n${output.slice(-4000)}`));
      };
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
        child.off("exit", exited);
      };
      waiters.add(check);
      child.once("exit", exited);
      if (child.exitCode !== null) return exited();
      check();
    });

  try {
    await Promise.race([spawnError, until(() => (output.includes("baresip is ready.") ? true : undefined), 15000, () => `not ready\n${output.slice(-4000)}`)]);
    ctrl = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: options.address, port: ctrlPort }, () => resolve(s));
      s.once("error", reject);
    });
    let buffer = "";
    ctrl.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      for (;;) {
        const head = /^(\d+):/.exec(buffer);
        if (!head) break;
        const start = head[0].length;
        const length = Number(head[1]);
        // Netstring lengths count bytes; the JSON is ASCII-only in practice (numbers, addresses).
        if (Buffer.byteLength(buffer) < start + length + 1) break;
        const body = JSON.parse(buffer.slice(start, start + length)) as Record<string, unknown>;
        buffer = buffer.slice(start + length + 1);
        if (body.event) events.push(body as BaresipEvent);
        else if (body.response) responses.get(String(body.token))?.({ ok: body.ok === true, data: String(body.data ?? "") });
      }
      wake();
    });
    ctrl.on("error", () => undefined);
  } catch (error) {
    await cleanup();
    throw error;
  }

  const command = async (name: string, params = ""): Promise<void> => {
    const id = `t${++token}`;
    let answer: { ok: boolean; data: string } | undefined;
    responses.set(id, (r) => (answer = r));
    ctrl?.write(netstring(JSON.stringify({ command: name, params, token: id })));
    const r = await until(() => answer, 10000, () => `no answer to ${name} ${params}`);
    responses.delete(id);
    if (!r.ok) throw new Error(`baresip ${name} ${params}: ${r.data}`);
  };
  const own = options.address;
  const stats = () => [...output.matchAll(STATS)].map((m) => ({ txPackets: Number(m[1]), rxPackets: Number(m[2]) }));

  return {
    address: own,
    port,
    tlsPort: port + 1,
    dial: (uri) => command("dial", uri),
    async hangup(aor) {
      if (aor) await command("uafind", aor);
      await command("hangup");
    },
    events: () => [...events],
    waitForEvent: (match, timeoutMs, since = 0) =>
      until(
        () => events.slice(since).find(match),
        timeoutMs,
        () => `no matching event (events: ${events.slice(since).map((e) => `${e.type}${e.param ? `(${e.param})` : ""}`).join(", ")})`,
      ),
    messages: () => parseTrace(output, own),
    waitForMessage: (check, timeoutMs, what) => until(() => parseTrace(output, own).find(check), timeoutMs, () => `no ${what}`),
    rtpStats: stats,
    waitForRtpStats: (count, timeoutMs) => until(() => stats()[count - 1], timeoutMs, () => `no RTP summary #${count}`),
    output: () => output,
    stop: cleanup,
  };
}
